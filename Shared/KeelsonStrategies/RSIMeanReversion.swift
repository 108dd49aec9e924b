import KeelsonDomain
import KeelsonIndicators

/// Buys when RSI climbs back out of oversold territory, sells when it falls back out of overbought.
public struct RSIMeanReversion: Strategy {
    public static let name = "rsi_mean_reversion"
    public static let summary = "buy when RSI rises back above oversold, sell when it falls back below overbought"
    public static let parameterSpecs = [
        StrategyParameterSpec("period", .integer, range: 2...500, default: 14, summary: "RSI period (Wilder smoothing)"),
        StrategyParameterSpec("oversold", .number, range: 1...50, default: 30, summary: "RSI level below which the market is oversold"),
        StrategyParameterSpec("overbought", .number, range: 50...99, default: 70, summary: "RSI level above which the market is overbought"),
    ]

    private var rsi: RSI
    private var entry = Crossing()
    private var exit = Crossing()
    private let period: Int
    private let oversold: Double
    private let overbought: Double

    public init(parameters: StrategyParameters) throws(StrategyError) {
        period = parameters.integer("period")
        oversold = parameters.number("oversold")
        overbought = parameters.number("overbought")
        guard oversold < overbought else {
            throw StrategyError.inconsistent(strategy: Self.name, reason: "oversold (\(oversold)) must be below overbought (\(overbought))")
        }
        do {
            rsi = try RSI(period: period)
        } catch {
            throw StrategyError.inconsistent(strategy: Self.name, reason: error.description)
        }
    }

    public var warmUpBars: Int { period + 1 }

    public mutating func evaluate(_ candle: Candle, bar: OHLCV) -> [StrategySignal] {
        guard let value = rsi.update(bar) else { return [] }
        var signals: [StrategySignal] = []
        if entry.update(fast: value, slow: oversold) == .up {
            signals.append(
                StrategySignal(
                    symbol: candle.symbol, interval: candle.interval, side: .buy, strength: 1 - value / 100,
                    barTime: candle.openTime, price: candle.close,
                    reason: "RSI(\(period)) \(value.reasonText(places: 4)) rose back above oversold \(oversold)"
                ))
        }
        if exit.update(fast: value, slow: overbought) == .down {
            signals.append(
                StrategySignal(
                    symbol: candle.symbol, interval: candle.interval, side: .sell, strength: value / 100,
                    barTime: candle.openTime, price: candle.close,
                    reason: "RSI(\(period)) \(value.reasonText(places: 4)) fell back below overbought \(overbought)"
                ))
        }
        return signals
    }
}
