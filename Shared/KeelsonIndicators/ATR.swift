/// Average true range with Wilder's smoothing (α = 1/n).
///
/// Bar 0 has no previous close, so it has no true range (TA-Lib does not fall back to high − low there); the
/// average is seeded with the mean of the true ranges of bars 1…n and smoothed as TA-Lib does it (multiply by
/// n−1, add, divide by n), so the first value is on bar n and every value matches TA-Lib's rounding.
public struct ATR: StreamingIndicator {
    public let period: Int
    private var previousClose: Double?
    private var ranges = 0
    private var average = 0.0

    public init(period: Int) throws(IndicatorError) {
        self.period = try IndicatorError.checkPeriod(period)
    }

    public var firstValidIndex: Int { period }

    public mutating func update(_ bar: OHLCV) -> Double? {
        defer { previousClose = bar.close }
        guard let previousClose else { return nil }
        let range = Self.trueRange(bar, previousClose: previousClose)
        let n = Double(period)
        if ranges >= period {
            average *= n - 1
            average += range
            average /= n
            return average
        }
        ranges += 1
        average += range
        guard ranges == period else { return nil }
        average /= n
        return average
    }

    /// The bar's range widened to include a gap from the previous close.
    static func trueRange(_ bar: OHLCV, previousClose: Double) -> Double {
        var greatest = bar.high - bar.low
        let fromHigh = abs(previousClose - bar.high)
        if fromHigh > greatest { greatest = fromHigh }
        let fromLow = abs(previousClose - bar.low)
        if fromLow > greatest { greatest = fromLow }
        return greatest
    }
}
