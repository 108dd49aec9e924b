/// How unusual this bar's volume is: (volume − mean) / standard deviation over the last n volumes, this one
/// included, with the population deviation (ddof 0).
///
/// The window sums come from `SlidingWindowSum`, so a burst of volume that has left the window leaves no rounding
/// residue behind. A window of equal volumes has no spread: the bar is exactly as usual as the rest and reads 0.
public struct VolumeZScore: StreamingIndicator {
    public let period: Int
    private var sum: SlidingWindowSum<Double>
    private var sumOfSquares: SlidingWindowSum<Double>

    /// One volume has no spread to measure against.
    public init(period: Int) throws(IndicatorError) {
        self.period = try IndicatorError.checkPeriod(period, minimum: 2)
        sum = SlidingWindowSum(capacity: self.period)
        sumOfSquares = SlidingWindowSum(capacity: self.period)
    }

    public var firstValidIndex: Int { period - 1 }

    public mutating func update(_ bar: OHLCV) -> Double? {
        sum.append(bar.volume)
        sumOfSquares.append(bar.volume * bar.volume)
        guard sum.isFull else { return nil }
        let n = Double(period)
        let mean = sum.total / n
        let variance = sumOfSquares.total / n - mean * mean
        // E[x²] − E[x]² cancels when the volumes are nearly equal; below this relative floor the spread is noise.
        guard variance > 1e-12 * max(mean * mean, 1e-300) else { return 0 }
        return (bar.volume - mean) / variance.squareRoot()
    }
}
