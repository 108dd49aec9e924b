/// One slow-stochastic reading, both lines on the 0…100 scale.
public struct StochasticValue: Sendable, Equatable {
    public var k: Double
    public var d: Double

    public init(k: Double, d: Double) {
        self.k = k
        self.d = d
    }
}

/// Slow stochastic as TA-Lib's STOCH with SMA smoothing: raw %K over kPeriod (100·(close−lowest low)/(highest
/// high−lowest low), 0 when the range is 0), %K = SMA(kSmoothing) of raw %K, %D = SMA(dPeriod) of %K. First value
/// at index kPeriod−1 + kSmoothing−1 + dPeriod−1. Rolling max/min with monotonic deques (O(1) amortised).
///
/// Raw %K is computed as TA-Lib computes it, (close − lowest) / ((highest − lowest) / 100), and smoothed with the
/// same running-sum SMA as `SMA`, so the rounding follows TA-Lib's. A zero range reads 0 rather than failing,
/// because a bar series with no range (a halted or illiquid market) is data, not an error.
public struct Stochastic: StreamingIndicator {
    public let kPeriod: Int
    public let kSmoothing: Int
    public let dPeriod: Int
    private var highs: RollingExtremum
    private var lows: RollingExtremum
    private var bars = 0
    private var kLine: SMA
    private var dLine: SMA

    public init(kPeriod: Int, kSmoothing: Int, dPeriod: Int) throws(IndicatorError) {
        self.kPeriod = try IndicatorError.checkPeriod(kPeriod, name: "kPeriod")
        self.kSmoothing = try IndicatorError.checkPeriod(kSmoothing, name: "kSmoothing")
        self.dPeriod = try IndicatorError.checkPeriod(dPeriod, name: "dPeriod")
        highs = RollingExtremum(.maximum, window: self.kPeriod)
        lows = RollingExtremum(.minimum, window: self.kPeriod)
        kLine = try SMA(period: self.kSmoothing)
        dLine = try SMA(period: self.dPeriod)
    }

    public var firstValidIndex: Int { kPeriod - 1 + kSmoothing - 1 + dPeriod - 1 }

    public mutating func update(_ bar: OHLCV) -> StochasticValue? {
        let highest = highs.add(bar.high)
        let lowest = lows.add(bar.low)
        if bars < kPeriod { bars += 1 }
        guard bars == kPeriod else { return nil }
        let percentRange = (highest - lowest) / 100
        let raw = percentRange != 0 ? (bar.close - lowest) / percentRange : 0
        guard let k = kLine.add(raw), let d = dLine.add(k) else { return nil }
        return StochasticValue(k: k, d: d)
    }
}
