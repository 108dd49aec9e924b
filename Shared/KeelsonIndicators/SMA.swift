/// Simple moving average of the close.
///
/// Kept as a running sum (add the newest, divide, then subtract the one about to leave) in exactly TA-Lib's
/// order of operations, so the rounding drift of the sum matches TA-Lib's bit for bit rather than merely to
/// within a tolerance.
public struct SMA: StreamingIndicator {
    public let period: Int
    /// The last `period − 1` values once warmed up: the ones still in the average when the next value arrives.
    private var window: RingBuffer<Double>
    private var sum = 0.0

    public init(period: Int) throws(IndicatorError) {
        self.period = try IndicatorError.checkPeriod(period)
        window = RingBuffer(capacity: max(self.period - 1, 1))
    }

    public var firstValidIndex: Int { period - 1 }

    public mutating func update(_ bar: OHLCV) -> Double? {
        add(bar.close)
    }

    /// The same average over any series, so other indicators (Bollinger, Stochastic) smooth exactly as TA-Lib's
    /// SMA does.
    mutating func add(_ value: Double) -> Double? {
        sum += value
        guard period > 1 else {
            sum -= value
            return value
        }
        guard window.isFull else {
            window.append(value)
            return nil
        }
        let mean = sum / Double(period)
        // The newest value takes the oldest one's slot: one write per bar instead of an append and a removal.
        sum -= window.replaceOldest(with: value)
        return mean
    }
}
