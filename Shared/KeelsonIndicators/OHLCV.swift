/// One bar as indicators see it. Prices as Double: indicators and statistics may use binary floating point,
/// while the exact decimals that end up in orders live in the domain layer.
public struct OHLCV: Sendable, Equatable {
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    public var volume: Double

    public init(open: Double, high: Double, low: Double, close: Double, volume: Double) {
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }
}
