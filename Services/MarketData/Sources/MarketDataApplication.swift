import Hummingbird
import KeelsonPersistence
import KeelsonServiceKit
import Logging
import ServiceLifecycle

/// Builds `keelson-marketdata`: collects closed candles into the store, serves them, and pushes each committed
/// batch to the subscribers. `collector` defaults to the environment (`CollectorConfiguration.load`).
public func buildMarketDataApplication(
    configuration: ServiceConfiguration,
    collector collectorConfiguration: CollectorConfiguration? = nil,
    metrics: ServiceMetrics? = nil,
    logger: Logger? = nil
) throws(ConfigurationError) -> some ApplicationProtocol {
    let collectorConfiguration = if let collectorConfiguration { collectorConfiguration } else { try CollectorConfiguration.load() }
    let runtime = ServiceRuntime(configuration: configuration, logger: logger, metrics: metrics)
    let marketMetrics = MarketDataMetrics(runtime.metrics)
    let store = PostgresCandleStore(client: runtime.postgres, logger: runtime.logger)
    let cache = CandleCache(capacity: collectorConfiguration.cacheCapacity)
    /// An exchange's breaker is the exchange's own; replay and synthetic get one of the collector's.
    func breaker(for source: MarketDataSource) -> CircuitBreaker {
        if let exchangeBreaker = source.exchangeBreaker { return exchangeBreaker }
        let name = "provider:\(source.provider.name)"
        marketMetrics.circuitBreaker(name, open: false)
        return CircuitBreaker(name: name) { open in marketMetrics.circuitBreaker(name, open: open) }
    }
    func collectorSource(_ source: MarketDataSource, role: ProviderStatus.Role) -> CollectorSource {
        let status = ProviderStatus(
            provider: source.provider.name, role: role, exchange: source.exchange, interval: collectorConfiguration.interval,
            symbolCount: collectorConfiguration.symbols.count, breaker: breaker(for: source)
        )
        return CollectorSource(source: source, status: status)
    }
    let primary = collectorSource(collectorConfiguration.primary, role: .primary)
    let backup = collectorConfiguration.backup.map { collectorSource($0, role: .backup) }
    let publisher = CandlePublisher(
        clients: collectorConfiguration.subscribers.map(runtime.client(for:)), metrics: marketMetrics, logger: runtime.logger)
    let collector = Collector(
        configuration: collectorConfiguration, primary: primary, backup: backup, store: store, cache: cache, publisher: publisher,
        metrics: marketMetrics, logger: runtime.logger
    )
    let router = runtime.makeRouter()
    MarketDataRoutes(
        configuration: collectorConfiguration, store: store, cache: cache, sources: collector.sources, publisher: publisher, metrics: marketMetrics,
        catchUp: { try await collector.catchUp() }
    )
    .register(router: router, internalRoutes: runtime.internalRoutes(on: router))
    return runtime.makeApplication(router: router, services: [publisher, CollectorStarter(collector: collector, schema: runtime.schema)])
}

/// Runs the collector once the schema is migrated (migration runs beside it at start-up), until graceful
/// shutdown; a replay that has run out of candles waits for shutdown too.
struct CollectorStarter: Service {
    let collector: Collector
    let schema: SchemaState

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while schema.version == nil {
                try await Task.sleep(for: .milliseconds(100))
            }
            await collector.collectAll()
        }
        try? await gracefulShutdown()
    }
}
