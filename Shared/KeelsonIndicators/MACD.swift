/// One MACD reading: the line (fast EMA − slow EMA), its signal EMA, and their difference.
public struct MACDValue: Sendable, Equatable {
    public var macd: Double
    public var signal: Double
    public var histogram: Double

    public init(macd: Double, signal: Double, histogram: Double) {
        self.macd = macd
        self.signal = signal
        self.histogram = histogram
    }
}

/// Moving average convergence/divergence of the close, laid out as TA-Lib lays it out.
///
/// TA-Lib starts the fast EMA late: its SMA seed is the `fast` closes ending where the slow EMA's seed ends,
/// so both lines appear on the same bar and the MACD line never mixes a warm slow EMA with a cold fast one.
/// Starting the fast EMA at bar 0 instead changes every value (the seeds differ), which is why this is not
/// simply EMA(fast) − EMA(slow). All three outputs appear together, once the signal EMA is seeded.
public struct MACD: StreamingIndicator {
    public let fast: Int
    public let slow: Int
    public let signal: Int
    private var fastEMA: EMA
    private var slowEMA: EMA
    private var signalEMA: EMA
    private var index = 0

    /// `fast` must be below `slow`: an equal pair is identically zero and a reversed pair is a sign flip that is
    /// more likely a mistake than an intent.
    public init(fast: Int, slow: Int, signal: Int) throws(IndicatorError) {
        self.slow = try IndicatorError.checkPeriod(slow, name: "slow", minimum: 2)
        guard (1..<self.slow).contains(fast) else {
            throw .invalidParameter(
                name: "fast", value: String(fast), allowed: "a whole number from 1 to \(self.slow - 1), below slow (\(self.slow))"
            )
        }
        self.fast = fast
        self.signal = try IndicatorError.checkPeriod(signal, name: "signal")
        fastEMA = try EMA(period: self.fast)
        slowEMA = try EMA(period: self.slow)
        signalEMA = try EMA(period: self.signal)
    }

    public var firstValidIndex: Int { slow - 1 + signal - 1 }

    public mutating func update(_ bar: OHLCV) -> MACDValue? {
        let close = bar.close
        defer { index += 1 }
        let slowValue = slowEMA.add(close)
        guard index >= slow - fast else { return nil }
        let fastValue = fastEMA.add(close)
        guard let fastValue, let slowValue else { return nil }
        let line = fastValue - slowValue
        guard let signalValue = signalEMA.add(line) else { return nil }
        return MACDValue(macd: line, signal: signalValue, histogram: line - signalValue)
    }
}
