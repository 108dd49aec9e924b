import KeelsonDomain
import KeelsonIndicators

/// Follows the trend: buy when the MACD line crosses above its signal line, sell when it crosses below.
public struct MACDTrend: Strategy {
    public static let name = "macd_trend"
    public static let summary = "buy when MACD crosses above its signal line, sell when it crosses below"
    public static let parameterSpecs = [
        StrategyParameterSpec("fast", .integer, range: 2...200, default: 12, summary: "fast EMA period"),
        StrategyParameterSpec("slow", .integer, range: 3...500, default: 26, summary: "slow EMA period"),
        StrategyParameterSpec("signal", .integer, range: 2...200, default: 9, summary: "signal line EMA period"),
    ]

    private var macd: MACD
    private var crossing = Crossing()
    private let label: String
    private let firstValidIndex: Int

    public init(parameters: StrategyParameters) throws(StrategyError) {
        let fast = parameters.integer("fast"), slow = parameters.integer("slow"), signal = parameters.integer("signal")
        guard fast < slow else {
            throw StrategyError.inconsistent(strategy: Self.name, reason: "fast (\(fast)) must be smaller than slow (\(slow))")
        }
        do {
            macd = try MACD(fast: fast, slow: slow, signal: signal)
        } catch {
            throw StrategyError.inconsistent(strategy: Self.name, reason: error.description)
        }
        label = "MACD(\(fast),\(slow),\(signal))"
        firstValidIndex = macd.firstValidIndex
    }

    public var warmUpBars: Int { firstValidIndex + 1 }

    public mutating func evaluate(_ candle: Candle, bar: OHLCV) -> [StrategySignal] {
        guard let value = macd.update(bar) else { return [] }
        guard let direction = crossing.update(fast: value.macd, slow: value.signal) else { return [] }
        let close = bar.close
        return [
            StrategySignal(
                symbol: candle.symbol, interval: candle.interval, side: direction == .up ? .buy : .sell,
                strength: close > 0 ? min(1, abs(value.histogram) / close * 100) : 0,
                barTime: candle.openTime, price: candle.close,
                reason:
                    "\(label) line \(value.macd.reasonText(places: 6)) crossed \(direction == .up ? "above" : "below") signal \(value.signal.reasonText(places: 6))"
            )
        ]
    }
}
