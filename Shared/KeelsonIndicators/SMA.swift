/// Simple moving average of the close.
///
/// Kept as a running sum (add the newest, divide, then subtract the one about to leave) in exactly TA-Lib's
/// order of operations, so the rounding drift of the sum matches TA-Lib's bit for bit rather than merely to
/// within a tolerance.
public struct SMA: StreamingIndicator {
    public let period: Int
    private var window: RingBuffer<Double>
    private var sum = 0.0

    public init(period: Int) throws(IndicatorError) {
        self.period = try IndicatorError.checkPeriod(period)
        window = RingBuffer(capacity: self.period)
    }

    public var firstValidIndex: Int { period - 1 }

    public mutating func update(_ bar: OHLCV) -> Double? {
        add(bar.close)
    }

    /// The same average over any series, so other indicators (Bollinger, Stochastic) smooth exactly as TA-Lib's
    /// SMA does.
    mutating func add(_ value: Double) -> Double? {
        window.append(value)
        sum += value
        guard window.isFull else { return nil }
        let mean = sum / Double(period)
        sum -= window.removeFirst()
        return mean
    }
}
