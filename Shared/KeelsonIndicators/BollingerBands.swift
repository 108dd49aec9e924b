/// One Bollinger reading.
public struct BollingerValue: Sendable, Equatable {
    public var upper: Double
    public var middle: Double
    public var lower: Double

    public init(upper: Double, middle: Double, lower: Double) {
        self.upper = upper
        self.middle = middle
        self.lower = lower
    }
}

/// Bollinger bands of the close: SMA(n) ± k population standard deviations (ddof = 0, as TA-Lib).
///
/// The deviation comes from running sums of the values and of their squares (E[x²] − E[x]²), in TA-Lib's order
/// of operations, so the rounding matches TA-Lib's. That formula cancels catastrophically when the window is
/// nearly flat, which is why, like TA-Lib, a variance below 1e-8 is read as exactly 0 rather than trusting noise
/// (or taking the square root of a slightly negative number).
public struct BollingerBands: StreamingIndicator {
    public let period: Int
    public let k: Double
    private var window: RingBuffer<Double>
    private var sum = 0.0
    private var sumOfSquares = 0.0

    private static let varianceFloor = 0.00000001

    public init(period: Int, k: Double) throws(IndicatorError) {
        self.period = try IndicatorError.checkPeriod(period)
        guard (0.1...10).contains(k) else {
            throw .invalidParameter(name: "k", value: String(k), allowed: "a number of standard deviations from 0.1 to 10")
        }
        self.k = k
        window = RingBuffer(capacity: self.period)
    }

    public var firstValidIndex: Int { period - 1 }

    public mutating func update(_ bar: OHLCV) -> BollingerValue? {
        let close = bar.close
        window.append(close)
        sum += close
        sumOfSquares += close * close
        guard window.isFull else { return nil }
        let n = Double(period)
        let middle = sum / n
        var variance = sumOfSquares / n
        let leaving = window.removeFirst()
        sum -= leaving
        sumOfSquares -= leaving * leaving
        variance -= middle * middle
        let width = variance < Self.varianceFloor ? 0 : variance.squareRoot() * k
        return BollingerValue(upper: middle + width, middle: middle, lower: middle - width)
    }
}
