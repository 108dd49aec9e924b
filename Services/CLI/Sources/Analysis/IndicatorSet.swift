import KeelsonIndicators

/// The `--set` of `keelson indicators`: `sma:10,ema:10,rsi:14,macd:12:26:9,atr:14,bb:20:2,stoch:14:3:3,vwap:20`.
/// Each entry becomes one or more output columns fed by the same streaming indicators the services use.
struct IndicatorSet {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// One indicator behind a uniform face: its column names and, per bar, one value (or nil) per column.
    struct Column {
        var names: [String]
        var update: (OHLCV) -> [Double?]
    }

    static let usage = "sma:N, ema:N, rsi:N, macd:FAST:SLOW:SIGNAL, atr:N, bb:N:K, stoch:K:SMOOTH:D, vwap:N"
    static let defaultSet = "sma:10,ema:10,rsi:14,macd:12:26:9,atr:14,bb:20:2"

    var columns: [Column]

    var header: [String] { columns.flatMap(\.names) }

    init(parsing text: String) throws(ParseError) {
        var columns: [Column] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            columns.append(try Self.column(entry))
        }
        guard !columns.isEmpty else { throw ParseError(description: "--set is empty; give one or more of \(Self.usage)") }
        self.columns = columns
    }

    mutating func update(_ bar: OHLCV) -> [Double?] {
        columns.flatMap { $0.update(bar) }
    }

    private static func column(_ entry: String) throws(ParseError) -> Column {
        let parts = entry.split(separator: ":").map(String.init)
        let name = parts[0].lowercased()
        let numbers = parts.dropFirst().map { Double($0) }
        func arguments(_ count: Int) throws(ParseError) -> [Double] {
            guard numbers.count == count, numbers.allSatisfy({ $0 != nil }) else {
                throw ParseError(description: "'\(entry)' needs \(count) number\(count == 1 ? "" : "s") after '\(name):'; expected one of \(usage)")
            }
            return numbers.map { $0! }
        }
        func integer(_ value: Double) throws(ParseError) -> Int {
            guard value == value.rounded(), abs(value) < 1e9 else { throw ParseError(description: "'\(entry)': \(value) is not a whole number") }
            return Int(value)
        }
        let suffix = parts.dropFirst().joined(separator: "_")
        do {
            switch name {
            case "sma":
                return make(try SMA(period: try integer(arguments(1)[0])), names: ["sma_\(suffix)"]) { [$0] }
            case "ema":
                return make(try EMA(period: try integer(arguments(1)[0])), names: ["ema_\(suffix)"]) { [$0] }
            case "rsi":
                return make(try RSI(period: try integer(arguments(1)[0])), names: ["rsi_\(suffix)"]) { [$0] }
            case "atr":
                return make(try ATR(period: try integer(arguments(1)[0])), names: ["atr_\(suffix)"]) { [$0] }
            case "vwap":
                return make(try RollingVWAP(period: try integer(arguments(1)[0])), names: ["vwap_\(suffix)"]) { [$0] }
            case "macd":
                let values = try arguments(3)
                let macd = try MACD(fast: try integer(values[0]), slow: try integer(values[1]), signal: try integer(values[2]))
                return make(macd, names: ["macd_\(suffix)", "macd_signal_\(suffix)", "macd_hist_\(suffix)"]) { [$0.macd, $0.signal, $0.histogram] }
            case "bb":
                let values = try arguments(2)
                let bands = try BollingerBands(period: try integer(values[0]), k: values[1])
                return make(bands, names: ["bb_upper_\(suffix)", "bb_middle_\(suffix)", "bb_lower_\(suffix)"]) { [$0.upper, $0.middle, $0.lower] }
            case "stoch":
                let values = try arguments(3)
                let stochastic = try Stochastic(kPeriod: try integer(values[0]), kSmoothing: try integer(values[1]), dPeriod: try integer(values[2]))
                return make(stochastic, names: ["stoch_k_\(suffix)", "stoch_d_\(suffix)"]) { [$0.k, $0.d] }
            default:
                throw ParseError(description: "unknown indicator '\(name)'; expected one of \(usage)")
            }
        } catch let error as IndicatorError {
            throw ParseError(description: "'\(entry)': \(error.description)")
        } catch let error as ParseError {
            throw error
        } catch {
            throw ParseError(description: "'\(entry)': \(error)")
        }
    }

    private static func make<Indicator: StreamingIndicator>(
        _ indicator: Indicator, names: [String], values: @escaping (Indicator.Output) -> [Double]
    ) -> Column {
        var indicator = indicator
        return Column(names: names) { bar in
            guard let output = indicator.update(bar) else { return Array(repeating: nil, count: names.count) }
            return values(output)
        }
    }
}
