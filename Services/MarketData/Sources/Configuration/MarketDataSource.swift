import KeelsonMarketData
import KeelsonServiceKit

/// A market-data provider as the collector uses it: the exchange name its candles are stored under (part of
/// the candle store's key, so a backup's candles never pass for the primary's) and, for a provider that calls
/// an exchange, that exchange's circuit breaker — shared with every client of the exchange in the process and
/// fed by them. Replay and synthetic providers have none; the collector gives them one of its own.
public struct MarketDataSource: Sendable {
    public var provider: any MarketDataProvider
    public var exchange: String
    public var exchangeBreaker: CircuitBreaker?

    public init(provider: any MarketDataProvider, exchange: String, exchangeBreaker: CircuitBreaker? = nil) {
        self.provider = provider
        self.exchange = exchange
        self.exchangeBreaker = exchangeBreaker
    }
}
