import Foundation
import KeelsonDomain

/// The expert settings file: every trading parameter, snake_case. The engine reads it from `KEELSON_ENGINE_CONFIG`
/// and `keelson backtest --engine-config` from its argument, so a backtest trades under the engine's risk, stops,
/// execution model and loss limits.
public struct TradingSettingsFile: Codable, Sendable, Equatable {
    public var maxCapital: Decimal
    public var timeframe: String
    public var symbols: [String]
    public var risk: RiskSettings
    public var execution: ExecutionModel
    public var symbolRules: [String: SymbolRules]
    /// Narrower bounds for an optimiser's search of risk settings (`RiskSearchBounds`): name → [low, high].
    public var optimizerBounds: [String: [Double]]?

    enum CodingKeys: String, CodingKey {
        case timeframe, symbols, risk, execution
        case maxCapital = "max_capital", symbolRules = "symbol_rules", optimizerBounds = "optimizer_bounds"
    }

    public init(
        maxCapital: Decimal, timeframe: String, symbols: [String], risk: RiskSettings, execution: ExecutionModel, symbolRules: [String: SymbolRules]
    ) {
        self.maxCapital = maxCapital
        self.timeframe = timeframe
        self.symbols = symbols
        self.risk = risk
        self.execution = execution
        self.symbolRules = symbolRules
    }

    /// The file's settings, checked.
    public struct Settings: Sendable, Equatable {
        public var maxCapital: Decimal
        public var timeframe: CandleInterval
        public var symbols: [Symbol]
        public var risk: RiskSettings
        public var execution: ExecutionModel
        public var symbolRules: [Symbol: SymbolRules]
        /// Where an optimiser may search each risk setting, when narrower than `RiskSearchBounds`.
        public var optimizerBounds: [String: ClosedRange<Double>] = [:]

        public func rules(for symbol: Symbol) -> SymbolRules { symbolRules[symbol] ?? .defaultSpot }
    }

    /// A file that cannot be read or breaks a rule; `problem` names the path and what is wrong.
    public struct LoadError: Error, Sendable, Equatable, CustomStringConvertible {
        public var problem: String
        public var description: String { problem }
    }

    /// Reads the file at `path` and checks every setting.
    public static func load(path: String) throws(LoadError) -> Settings {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(problem: "cannot read '\(path)'; expected the path of the engine's JSON configuration file")
        }
        let file: TradingSettingsFile
        do {
            file = try JSONDecoder().decode(TradingSettingsFile.self, from: data)
        } catch let error as DecodingError {
            throw LoadError(problem: "\(path): \(describe(error)); every parameter is required in expert mode (see docs/ENGINE.md)")
        } catch {
            throw LoadError(problem: "\(path): \(error)")
        }
        return try file.checked(path: path)
    }

    func checked(path: String) throws(LoadError) -> Settings {
        guard maxCapital > 0 else { throw LoadError(problem: "\(path): max_capital must be above 0") }
        guard let interval = CandleInterval(rawValue: timeframe) else {
            throw LoadError(problem: "\(path): timeframe '\(timeframe)' is not allowed; expected one of \(CandleInterval.allowedList)")
        }
        var parsed: [Symbol] = []
        for name in symbols {
            guard let symbol = Symbol(rawValue: name.trimmingCharacters(in: .whitespaces).uppercased()) else {
                throw LoadError(problem: "\(path): symbols: '\(name)' is not a symbol; expected names such as BTCUSDT")
            }
            if !parsed.contains(symbol) { parsed.append(symbol) }
        }
        guard !parsed.isEmpty else { throw LoadError(problem: "\(path): symbols is empty; expected at least one symbol, e.g. BTCUSDT") }
        var rules: [Symbol: SymbolRules] = [:]
        for (name, rule) in symbolRules {
            guard let symbol = Symbol(rawValue: name.uppercased()) else {
                throw LoadError(problem: "\(path): symbol_rules: '\(name)' is not a symbol")
            }
            rules[symbol] = rule
        }
        var bounds: [String: ClosedRange<Double>] = [:]
        for (name, pair) in optimizerBounds ?? [:] {
            let hard: RiskSearchBounds.Bound
            switch RiskSearchBounds.bound(name) {
            case .success(let bound): hard = bound
            case .failure(let error): throw LoadError(problem: "\(path): optimizer_bounds: \(error)")
            }
            guard pair.count == 2, pair[0] <= pair[1], hard.range.contains(pair[0]), hard.range.contains(pair[1]) else {
                throw LoadError(
                    problem:
                        "\(path): optimizer_bounds.\(name): \(pair) is not [low, high] inside the safety bounds \(hard.range.lowerBound)…\(hard.range.upperBound)"
                )
            }
            bounds[name] = pair[0]...pair[1]
        }
        do {
            return Settings(
                maxCapital: maxCapital, timeframe: interval, symbols: parsed, risk: try risk.validated(), execution: try execution.validated(),
                symbolRules: rules, optimizerBounds: bounds
            )
        } catch {
            throw LoadError(problem: "\(path): \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "\(parent.isEmpty ? "" : parent + ".")\(key.stringValue) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context)) has the wrong type: \(context.debugDescription)"
        case .dataCorrupted(let context): return "not valid JSON at \(path(context).isEmpty ? "the top" : path(context)): \(context.debugDescription)"
        @unknown default: return "cannot be read"
        }
    }
}
