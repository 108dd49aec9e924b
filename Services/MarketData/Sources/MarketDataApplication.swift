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
    let cache = CandleCache()
    let providerName = collectorConfiguration.provider.name
    let breaker = CircuitBreaker(name: "provider:\(providerName)") { open in marketMetrics.circuitBreaker("provider:\(providerName)", open: open) }
    marketMetrics.circuitBreaker("provider:\(providerName)", open: false)
    let status = ProviderStatus(provider: providerName, interval: collectorConfiguration.interval, symbolCount: collectorConfiguration.symbols.count, breaker: breaker)
    let publisher = CandlePublisher(clients: collectorConfiguration.subscribers.map(runtime.client(for:)), metrics: marketMetrics, logger: runtime.logger)
    let collector = Collector(configuration: collectorConfiguration, store: store, cache: cache, publisher: publisher, status: status, metrics: marketMetrics, logger: runtime.logger)
    let router = runtime.makeRouter()
    MarketDataRoutes(configuration: collectorConfiguration, store: store, cache: cache, status: status, publisher: publisher, metrics: marketMetrics)
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
