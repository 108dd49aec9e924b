/// The close's relative change over n bars: close / close n bars ago − 1 (TA-Lib's ROCP).
///
/// Models use it as the `return:N` feature; a strategy can use it as momentum. A close of 0 n bars ago has no
/// defined return, so that bar yields nil rather than an infinity that would poison a model's statistics.
public struct RateOfChange: StreamingIndicator {
    public let period: Int
    private var closes: RingBuffer<Double>

    public init(period: Int) throws(IndicatorError) {
        self.period = try IndicatorError.checkPeriod(period)
        closes = RingBuffer(capacity: self.period + 1)
    }

    public var firstValidIndex: Int { period }

    public mutating func update(_ bar: OHLCV) -> Double? {
        if closes.isFull { closes.removeFirst() }
        closes.append(bar.close)
        guard closes.isFull, let past = closes.first, past != 0 else { return nil }
        return bar.close / past - 1
    }
}
