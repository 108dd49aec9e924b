/// An indicator fed one closed bar at a time. Live trading, paper trading and the backtester all stream bars,
/// so streaming is the only implementation; the batch form is derived from it.
public protocol StreamingIndicator: Sendable {
    associatedtype Output: Sendable, Equatable

    /// Feeds the next closed bar in O(1) (amortised) time and memory bounded by the period; returns the value
    /// once warm-up is over, nil before.
    mutating func update(_ bar: OHLCV) -> Output?

    /// The index of the first bar that yields a value (e.g. 9 for SMA(10), 14 for RSI(14), 33 for MACD(12,26,9)).
    var firstValidIndex: Int { get }
}

extension StreamingIndicator {
    /// Batch form over a whole series: the same code as streaming (feeds a copy of self), so batch and streaming
    /// cannot disagree.
    public func series(_ bars: some Sequence<OHLCV>) -> [Output?] {
        var indicator = self
        var values: [Output?] = []
        values.reserveCapacity(bars.underestimatedCount)
        for bar in bars {
            values.append(indicator.update(bar))
        }
        return values
    }
}
