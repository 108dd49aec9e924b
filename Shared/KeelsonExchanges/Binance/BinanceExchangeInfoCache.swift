import Foundation

/// Symbol filters from exchangeInfo, fetched once and refreshed when older than `maxAge` (exchangeInfo weighs
/// 20, and filters change rarely). Callers asking at the same time share one fetch.
public actor BinanceExchangeInfoCache {
    let client: BinanceRESTClient
    public let maxAge: Duration
    private let now: @Sendable () -> Date
    private var filters: [String: BinanceSymbolFilters] = [:]
    private var fetchedAt: Date?
    private var refreshing: Task<[String: BinanceSymbolFilters], any Error>?

    public init(client: BinanceRESTClient, maxAge: Duration = .seconds(3600), now: @escaping @Sendable () -> Date = { .now }) {
        self.client = client
        self.maxAge = maxAge
        self.now = now
    }

    /// The filters of `symbol`, refreshing first when the cache is stale or does not know the symbol.
    /// Throws `BinanceError.invalidRequest` when the exchange lists no such symbol.
    public func filters(for symbol: String) async throws -> BinanceSymbolFilters {
        if !isStale, let known = filters[symbol] { return known }
        try await refresh()
        guard let known = filters[symbol] else {
            throw BinanceError.invalidRequest("the exchange lists no symbol \(symbol)")
        }
        return known
    }

    /// Every symbol the exchange lists, sorted, refreshing first when the cache is stale.
    public func listedSymbols() async throws -> [String] {
        if isStale { try await refresh() }
        return filters.keys.sorted()
    }

    /// Fetches exchangeInfo now (joining a fetch already under way).
    public func refresh() async throws {
        if let refreshing {
            _ = try await refreshing.value
            return
        }
        let client = self.client
        let task = Task { () throws -> [String: BinanceSymbolFilters] in
            let info = try await client.exchangeInfo()
            return Dictionary(info.symbols.map { ($0.symbol, $0.filters) }, uniquingKeysWith: { first, _ in first })
        }
        refreshing = task
        defer { refreshing = nil }
        filters = try await task.value
        fetchedAt = now()
    }

    /// When the cached filters were fetched; nil before the first fetch.
    public var lastRefresh: Date? { fetchedAt }

    private var isStale: Bool {
        guard let fetchedAt else { return true }
        let age = now().timeIntervalSince(fetchedAt)
        return age >= TimeInterval(maxAge.components.seconds) + TimeInterval(maxAge.components.attoseconds) / 1e18
    }
}
