import KeelsonDomain
import KeelsonIndicators

/// A trading strategy: pure and deterministic, fed one closed candle at a time in bar order, answering with
/// zero or more signals. The live signal service and the backtester run exactly these types.
public protocol Strategy: Sendable {
    static var name: String { get }
    static var summary: String { get }
    static var parameterSpecs: [StrategyParameterSpec] { get }

    /// Builds the strategy from parameters already checked against `parameterSpecs`; throws only for rules
    /// that tie parameters together (e.g. fast < slow).
    init(parameters: StrategyParameters) throws(StrategyError)

    /// Bars fed before the first signal can appear.
    var warmUpBars: Int { get }

    /// Feeds the next closed candle. `bar` is the same candle as Doubles; runners convert each candle once and
    /// hand it to every strategy, because the Decimal-to-Double conversion costs more than most indicators.
    mutating func evaluate(_ candle: Candle, bar: OHLCV) -> [StrategySignal]
}

extension Strategy {
    public mutating func evaluate(_ candle: Candle) -> [StrategySignal] {
        evaluate(candle, bar: candle.ohlcv)
    }

    /// Validates `given` (filling defaults) and builds the strategy.
    public static func make(_ given: [String: Double] = [:]) throws(StrategyError) -> Self {
        try Self(parameters: StrategyParameters(strategy: name, specs: parameterSpecs, given: given))
    }
}

extension Candle {
    /// The bar as indicators see it (binary floating point is fine for indicators and statistics).
    public var ohlcv: OHLCV {
        OHLCV(open: open.doubleValue, high: high.doubleValue, low: low.doubleValue, close: close.doubleValue, volume: volume.doubleValue)
    }
}
