import Foundation
import Hummingbird
import KeelsonContracts
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit

/// The collector's read API and the catch-up endpoint for receivers.
struct MarketDataRoutes {
    static let maxLimit = 5_000

    struct CatchUpResult: ResponseEncodable {
        var result: Collector.CatchUp
        func encode(to encoder: any Encoder) throws { try result.encode(to: encoder) }
    }

    struct CandleList: ResponseEncodable {
        var candles: [Candle]
    }

    struct LatestCandle: ResponseEncodable {
        var candle: Candle
    }

    struct SymbolInfo: Encodable {
        var symbol: Symbol
        var interval: CandleInterval
        var exchange: String
        var lastCandleTime: Date?

        enum CodingKeys: String, CodingKey {
            case symbol, interval, exchange
            case lastCandleTime = "last_candle_time"
        }
    }

    struct SymbolList: ResponseEncodable {
        var symbols: [SymbolInfo]
    }

    struct ProviderList: ResponseEncodable {
        /// The primary first, then the backup.
        var providers: [ProviderStatus.Snapshot]
        /// Every breaker the collector obeys: the exchanges' own (shared with the other clients of that
        /// exchange in this process) and the collector's for replay and synthetic providers.
        var circuitBreakers: [CircuitBreaker.Snapshot]
        var subscribers: [CandlePublisher.SubscriberStatus]

        enum CodingKeys: String, CodingKey {
            case providers, subscribers
            case circuitBreakers = "circuit_breakers"
        }
    }

    struct CacheInfo: ResponseEncodable {
        struct Series: Encodable {
            var exchange: String
            var symbol: Symbol
            var interval: CandleInterval
            var candles: Int
            var newest: Date?
        }

        var capacityPerSeries: Int
        var hits: Int
        var misses: Int
        var hitRatio: Double?
        var series: [Series]

        enum CodingKeys: String, CodingKey {
            case hits, misses, series
            case capacityPerSeries = "capacity_per_series"
            case hitRatio = "hit_ratio"
        }
    }

    let configuration: CollectorConfiguration
    let store: any CandleStore
    let cache: CandleCache
    /// The primary first, then the backup when there is one.
    let sources: [CollectorSource]
    let publisher: CandlePublisher
    let metrics: MarketDataMetrics
    /// The collector's catch-up, for the watchdog.
    let catchUp: @Sendable () async throws -> Collector.CatchUp

    struct SeriesQuery {
        var exchange: String
        var symbol: Symbol
        var interval: CandleInterval
    }

    func series(_ query: QueryReader) throws(APIError) -> SeriesQuery {
        guard let symbol = try query.parse("symbol", { text throws(DomainError) in try Symbol(parsing: text) }) else {
            throw APIError.badRequest("symbol is required, e.g. symbol=\(configuration.symbols.first?.rawValue ?? "BTCUSDT")")
        }
        let interval = try query.parse("interval", { text throws(DomainError) in try CandleInterval(parsing: text) }) ?? configuration.interval
        let exchange = try query.string("exchange") ?? configuration.exchange
        guard exchange.count <= 32, exchange.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw APIError.badRequest(
                "exchange=\(exchange) is not an exchange name; names are 1 to 32 lower-case letters, digits, _ or -, e.g. binance")
        }
        return SeriesQuery(exchange: exchange, symbol: symbol, interval: interval)
    }

    func register(router: Router<KeelsonRequestContext>, internalRoutes: RouterGroup<KeelsonRequestContext>) {
        router.get("api/v1/candles") { request, _ -> CandleList in
            let query = QueryReader(request)
            let series = try series(query)
            let from = try query.date("from")
            let to = try query.date("to")
            if let from, let to, from >= to { throw APIError.badRequest("from must be before to") }
            let limit = try query.integer("limit", default: 500, range: 1...Self.maxLimit)
            let key = CandleCache.Key(exchange: series.exchange, symbol: series.symbol, interval: series.interval)
            if let cached = await cache.recent(key, from: from, to: to, limit: limit) {
                return CandleList(candles: cached)
            }
            var candles = try await store.candles(
                exchange: series.exchange, symbol: series.symbol, interval: series.interval, before: to, limit: limit)
            if let from { candles.removeAll { $0.openTime < from } }
            return CandleList(candles: candles)
        }

        router.get("api/v1/candles/latest") { request, _ -> LatestCandle in
            let series = try series(QueryReader(request))
            let key = CandleCache.Key(exchange: series.exchange, symbol: series.symbol, interval: series.interval)
            if let candle = await cache.latest(key) { return LatestCandle(candle: candle) }
            guard
                let candle = try await store.candles(
                    exchange: series.exchange, symbol: series.symbol, interval: series.interval, before: nil, limit: 1
                ).last
            else {
                throw APIError.notFound(
                    "no \(series.interval.rawValue) candles stored for \(series.symbol) on \(series.exchange); collected symbols: \(configuration.symbols.map(\.rawValue).joined(separator: ", "))"
                )
            }
            return LatestCandle(candle: candle)
        }

        router.get("api/v1/symbols") { _, _ -> SymbolList in
            var symbols: [SymbolInfo] = []
            for symbol in configuration.symbols {
                symbols.append(
                    SymbolInfo(
                        symbol: symbol, interval: configuration.interval, exchange: configuration.exchange,
                        lastCandleTime: await sources[0].status.newestCandle(symbol)))
            }
            return SymbolList(symbols: symbols)
        }

        router.get("api/v1/providers") { _, _ -> ProviderList in
            var providers: [ProviderStatus.Snapshot] = []
            for source in sources { providers.append(await source.status.snapshot()) }
            return ProviderList(providers: providers, circuitBreakers: providers.map(\.breaker), subscribers: await publisher.status())
        }

        router.get("api/v1/cache") { _, _ -> CacheInfo in
            let hits = await cache.hits, misses = await cache.misses
            metrics.cache(hits: hits, misses: misses)
            return CacheInfo(
                capacityPerSeries: cache.capacity, hits: hits, misses: misses,
                hitRatio: hits + misses > 0 ? Double(hits) / Double(hits + misses) : nil,
                series: await cache.info().map {
                    .init(exchange: $0.key.exchange, symbol: $0.key.symbol, interval: $0.key.interval, candles: $0.count, newest: $0.newest)
                }
            )
        }

        // Every breaker the collector obeys, an exchange's included (for every client of that exchange in this
        // process); a closed primary is used again at the collector's next look. The probe asks the provider for its
        // newest candles, the call the collector makes anyway.
        let symbol = configuration.symbols.first, interval = configuration.interval
        CircuitBreakerRoutes.register(
            on: internalRoutes,
            dependencies: sources.map { source in
                GuardedDependency(breaker: source.breaker) {
                    guard let symbol else { return }
                    let now = Date.now
                    _ = try await source.provider.candles(
                        symbol: symbol, interval: interval, from: now.addingTimeInterval(-3 * Double(interval.seconds)), to: now)
                }
            })

        internalRoutes.post(RouterPath(InternalRoute.marketDataCatchUp.relativePath)) { _, _ -> CatchUpResult in
            CatchUpResult(result: try await catchUp())
        }

        // A receiver that missed pushes (it was down, or its queue overflowed) reads what follows the last candle it saw.

        internalRoutes.get(RouterPath(InternalRoute.candlesSince.relativePath)) { request, _ -> CandleList in
            let query = QueryReader(request)
            let series = try series(query)
            guard let after = try query.date("after") else {
                throw APIError.badRequest("after is required: the open time of the last candle you have (ISO-8601 or epoch ms)")
            }
            let limit = try query.integer("limit", default: 1_000, range: 1...Self.maxLimit)
            return CandleList(
                candles: try await store.candles(
                    exchange: series.exchange, symbol: series.symbol, interval: series.interval, after: after, limit: limit))
        }
    }
}
