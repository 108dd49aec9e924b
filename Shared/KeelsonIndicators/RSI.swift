/// Relative strength index of the close, 0…100, with Wilder's smoothing (α = 1/n).
///
/// The averages are seeded with the plain mean of the first n changes, and each step is computed as TA-Lib
/// does it (multiply by n−1, add, divide by n) so the values match TA-Lib's, not just Wilder's formula.
public struct RSI: StreamingIndicator {
    public let period: Int
    private var previousClose: Double?
    private var changes = 0
    private var averageGain = 0.0
    private var averageLoss = 0.0

    /// TA-Lib's TA_IS_ZERO band: when the average gain and loss together are below it (a market that has all but
    /// stopped moving) the RSI reads 0, as TA-Lib's does, instead of dividing 0 by 0 or amplifying rounding noise.
    private static let zeroBand = 0.00000001

    /// A period of 1 would make the average gain or loss just the last change, so the RSI could only be 0 or 100.
    public init(period: Int) throws(IndicatorError) {
        self.period = try IndicatorError.checkPeriod(period, minimum: 2)
    }

    public var firstValidIndex: Int { period }

    public mutating func update(_ bar: OHLCV) -> Double? {
        let close = bar.close
        defer { previousClose = close }
        guard let previousClose else { return nil }
        let change = close - previousClose
        let n = Double(period)
        if changes >= period {
            averageLoss *= n - 1
            averageGain *= n - 1
            if change < 0 { averageLoss -= change } else { averageGain += change }
            averageLoss /= n
            averageGain /= n
            return value
        }
        changes += 1
        if change < 0 { averageLoss -= change } else { averageGain += change }
        guard changes == period else { return nil }
        averageLoss /= n
        averageGain /= n
        return value
    }

    private var value: Double {
        let total = averageGain + averageLoss
        guard !(-Self.zeroBand < total && total < Self.zeroBand) else { return 0 }
        return 100 * (averageGain / total)
    }
}
