import KeelsonMarketData
import KeelsonServiceKit

/// One provider as the collector runs it: the source, its status (which holds the breaker that decides whether
/// it may be called), and its role.
struct CollectorSource: Sendable {
    let source: MarketDataSource
    let status: ProviderStatus

    var role: ProviderStatus.Role { status.role }
    var provider: any MarketDataProvider { source.provider }
    var exchange: String { source.exchange }
    var breaker: CircuitBreaker { status.breaker }
    /// The collector records successes and failures only in a breaker of its own; an exchange's breaker is fed
    /// by the exchange's clients, which see every request and its answer.
    var ownsBreaker: Bool { source.exchangeBreaker == nil }
}
