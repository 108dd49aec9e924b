import KeelsonDomain

/// Closed candles, oldest first: the body of `POST /internal/v1/candles` and the answer of
/// `GET /internal/v1/candles/since`.
public struct CandleBatch: Codable, Sendable, Equatable {
    public var candles: [Candle]

    public init(candles: [Candle]) { self.candles = candles }
}
