/// Exponential moving average of the close, α = 2/(n+1).
///
/// Seeded with the SMA of the first n values (TA-Lib's default) rather than with the first value, so the
/// output does not depend on how far back the stream happened to start once the seed window is past.
public struct EMA: StreamingIndicator {
    public let period: Int
    private let alpha: Double
    private var seen = 0
    private var seedSum = 0.0
    private var average = 0.0

    public init(period: Int) throws(IndicatorError) {
        self.period = try IndicatorError.checkPeriod(period)
        alpha = 2.0 / Double(self.period + 1)
    }

    public var firstValidIndex: Int { period - 1 }

    public mutating func update(_ bar: OHLCV) -> Double? {
        add(bar.close)
    }

    /// The same average over any series, so MACD's three lines are this exact code.
    mutating func add(_ value: Double) -> Double? {
        if seen >= period {
            // TA-Lib's form, ((x − prev)·α) + prev, not α·x + (1−α)·prev: the two round differently.
            average = (value - average) * alpha + average
            return average
        }
        seen += 1
        seedSum += value
        guard seen == period else { return nil }
        average = seedSum / Double(period)
        return average
    }
}
