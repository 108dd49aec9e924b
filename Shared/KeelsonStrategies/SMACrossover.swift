import KeelsonDomain
import KeelsonIndicators

/// Long when SMA(fast) of the close crosses above SMA(slow); out when it crosses back below.
public struct SMACrossover: SharingIndicators {
    public static let name = "sma_crossover"
    public static let summary = "buy when SMA(fast) crosses above SMA(slow), sell when it crosses below"
    public static let parameterSpecs = [
        StrategyParameterSpec("fast", .integer, range: 2...500, default: 10, summary: "bars in the fast moving average"),
        StrategyParameterSpec("slow", .integer, range: 3...2000, default: 30, summary: "bars in the slow moving average"),
    ]

    private var fast: SMA
    private var slow: SMA
    private var crossing = Crossing()
    /// Shared averages (a parameter search): bar `position` of each column, instead of `fast` and `slow`.
    private var sharedFast: [Double]
    private var sharedSlow: [Double]
    private var readsShared: Bool
    private var position = 0
    private let fastPeriod: Int
    private let slowPeriod: Int
    /// The fixed words of the reason, made once: a long backtest signals tens of thousands of times.
    private let fastLabel: String
    private let crossedAbove: String
    private let crossedBelow: String

    public init(parameters: StrategyParameters) throws(StrategyError) {
        fastPeriod = parameters.integer("fast")
        slowPeriod = parameters.integer("slow")
        guard fastPeriod < slowPeriod else {
            throw StrategyError.inconsistent(strategy: Self.name, reason: "fast (\(fastPeriod)) must be smaller than slow (\(slowPeriod))")
        }
        fastLabel = "SMA(\(fastPeriod)) "
        crossedAbove = " crossed above SMA(\(slowPeriod)) "
        crossedBelow = " crossed below SMA(\(slowPeriod)) "
        do {
            fast = try SMA(period: fastPeriod)
            slow = try SMA(period: slowPeriod)
        } catch {
            throw StrategyError.inconsistent(strategy: Self.name, reason: error.description)
        }
        sharedFast = []
        sharedSlow = []
        readsShared = false
    }

    public init(parameters: StrategyParameters, shared: SharedIndicators, from start: Int) throws(StrategyError) {
        try self.init(parameters: parameters)
        sharedFast = shared.sma(period: fastPeriod, from: start)
        sharedSlow = shared.sma(period: slowPeriod, from: start)
        readsShared = true
    }

    public var warmUpBars: Int { slowPeriod }

    public mutating func evaluate(_ candle: Candle, bar: OHLCV) -> [StrategySignal] {
        let fastValue: Double
        let slowValue: Double
        if readsShared {
            fastValue = sharedFast[position]
            slowValue = sharedSlow[position]
            position += 1
            guard !fastValue.isNaN, !slowValue.isNaN else { return [] }
        } else {
            // Both averages see every bar, whichever is still warming up.
            let fastAverage = fast.update(bar)
            let slowAverage = slow.update(bar)
            guard let fastAverage, let slowAverage else { return [] }
            fastValue = fastAverage
            slowValue = slowAverage
        }
        guard let direction = crossing.update(fast: fastValue, slow: slowValue) else { return [] }
        let gap = abs(fastValue - slowValue) / slowValue
        var reason = fastLabel
        reason.reserveCapacity(80)
        reason += fastValue.reasonText(places: 6)
        reason += direction == .up ? crossedAbove : crossedBelow
        reason += slowValue.reasonText(places: 6)
        return [
            StrategySignal(
                symbol: candle.symbol, interval: candle.interval, side: direction == .up ? .buy : .sell,
                strength: min(1, gap * 100), barTime: candle.openTime, price: candle.close, reason: reason
            )
        ]
    }
}
