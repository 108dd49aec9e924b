/// Rolling volume-weighted average price over the last `period` bars: Σ(typical·volume)/Σvolume with
/// typical = (high+low+close)/3. First value at index period−1.
///
/// When the window traded no volume at all there is nothing to weight by, and the honest price is the plain
/// mean of the typical prices rather than 0/0. The window sums never subtract a departing bar (see
/// `SlidingWindowSum`), so a window of zero volume is detected exactly and one huge bar leaving does not leave
/// rounding residue behind.
public struct RollingVWAP: StreamingIndicator {
    public let period: Int
    private var window: SlidingWindowSum<Terms>

    public init(period: Int) throws(IndicatorError) {
        self.period = try IndicatorError.checkPeriod(period)
        window = SlidingWindowSum(capacity: self.period)
    }

    public var firstValidIndex: Int { period - 1 }

    public mutating func update(_ bar: OHLCV) -> Double? {
        let typical = (bar.high + bar.low + bar.close) / 3
        window.append(Terms(weighted: typical * bar.volume, volume: bar.volume, typical: typical))
        guard window.isFull else { return nil }
        let sums = window.total
        guard sums.volume != 0 else { return sums.typical / Double(period) }
        return sums.weighted / sums.volume
    }

    /// The three sums VWAP needs, added together so one window serves all of them.
    struct Terms: AdditiveArithmetic, Sendable {
        var weighted: Double
        var volume: Double
        var typical: Double

        static let zero = Terms(weighted: 0, volume: 0, typical: 0)

        static func + (lhs: Terms, rhs: Terms) -> Terms {
            Terms(weighted: lhs.weighted + rhs.weighted, volume: lhs.volume + rhs.volume, typical: lhs.typical + rhs.typical)
        }

        static func - (lhs: Terms, rhs: Terms) -> Terms {
            Terms(weighted: lhs.weighted - rhs.weighted, volume: lhs.volume - rhs.volume, typical: lhs.typical - rhs.typical)
        }
    }
}
