import KeelsonDomain
import KeelsonIndicators

/// Buys a breakout when the close crosses above the upper band; exits when the close falls back below the middle band.
public struct BollingerBreakout: Strategy {
    public static let name = "bollinger_breakout"
    public static let summary = "buy when the close crosses above the upper band, sell when it crosses below the middle band"
    public static let parameterSpecs = [
        StrategyParameterSpec("period", .integer, range: 2...500, default: 20, summary: "bars in the moving average and standard deviation"),
        StrategyParameterSpec("k", .number, range: 0.5...5, default: 2, summary: "band width in standard deviations"),
    ]

    private var bands: BollingerBands
    private var breakout = Crossing()
    private var exit = Crossing()
    private let period: Int
    private let k: Double

    public init(parameters: StrategyParameters) throws(StrategyError) {
        period = parameters.integer("period")
        k = parameters.number("k")
        do {
            bands = try BollingerBands(period: period, k: k)
        } catch {
            throw StrategyError.inconsistent(strategy: Self.name, reason: error.description)
        }
    }

    public var warmUpBars: Int { period }

    public mutating func evaluate(_ candle: Candle, bar: OHLCV) -> [StrategySignal] {
        guard let value = bands.update(bar) else { return [] }
        var signals: [StrategySignal] = []
        if breakout.update(fast: bar.close, slow: value.upper) == .up {
            let width = value.upper - value.middle
            signals.append(
                StrategySignal(
                    symbol: candle.symbol, interval: candle.interval, side: .buy,
                    strength: width > 0 ? min(1, (bar.close - value.upper) / width) : 1,
                    barTime: candle.openTime, price: candle.close,
                    reason: "close \(bar.close) crossed above the upper band \(value.upper.reasonText(places: 6)) of BB(\(period), \(k))"
                ))
        }
        if exit.update(fast: bar.close, slow: value.middle) == .down {
            signals.append(
                StrategySignal(
                    symbol: candle.symbol, interval: candle.interval, side: .sell, strength: 1,
                    barTime: candle.openTime, price: candle.close,
                    reason: "close \(bar.close) crossed below the middle band \(value.middle.reasonText(places: 6)) of BB(\(period), \(k))"
                ))
        }
        return signals
    }
}
