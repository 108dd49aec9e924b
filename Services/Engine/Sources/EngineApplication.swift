import Hummingbird
import KeelsonExchanges
import KeelsonPersistence
import KeelsonServiceKit
import Logging
import Synchronization

/// Builds `keelson-engine`: leader election, recovery and reconciliation, the risk manager, orders through the
/// paper broker (`KEELSON_MODE=paper`, the default) or Binance (`live`), positions and balances in PostgreSQL, and
/// the API.
/// - Parameter exchange: live mode's Binance connection; read from the environment (`BinanceConnectionSettings`)
///   when nil. Live mode without an API key and secret is refused here, before anything starts.
public func buildEngineApplication(
    configuration: ServiceConfiguration,
    settings: EngineSettings? = nil,
    startOptions: EngineStartOptions? = nil,
    exchange: BinanceConnectionSettings? = nil,
    metrics: ServiceMetrics? = nil,
    logger: Logger? = nil
) throws(ConfigurationError) -> some ApplicationProtocol {
    let settings = if let settings { settings } else { try EngineSettings.load() }
    let options = startOptions ?? EngineStartOptions(mode: configuration.mode)
    let liveConnection: BinanceConnectionSettings? =
        switch configuration.mode {
        case .paper: nil
        case .live: if let exchange { exchange } else { try BinanceConnectionSettings.load() }
        }
    let engineHolder = EngineHolder()
    let runtime = ServiceRuntime(
        configuration: configuration, logger: logger, metrics: metrics,
        readinessChecks: [ClosureReadinessCheck(name: "trading") { await engineHolder.engine?.status.notReadyReason }],
        healthDetails: {
            guard let status = await engineHolder.engine?.status else { return [:] }
            var details = ["role": status.role.rawValue]
            if let state = status.state { details["trading_state"] = state.rawValue }
            if let session = status.sessionID { details["session_id"] = String(session) }
            return details
        }
    )
    let engineMetrics = EngineMetrics(runtime.metrics)
    let broker: any Broker
    // Live mode's exchange breaker, for the gateway's health, an operator's reset and the watchdog's probe; paper
    // trading calls nothing that can fail.
    var guarded: [GuardedDependency] = []
    if let liveConnection {
        let client = BinanceRESTClient(
            baseURL: liveConnection.baseURL, credentials: liveConnection.credentials, httpClient: runtime.httpClient, timeout: liveConnection.timeout,
            logger: runtime.logger
        )
        broker = BinanceBroker(
            client: client, takerFeeRate: settings.execution.takerFeeRate, balanceChangeThreshold: settings.balanceChangeThreshold,
            logger: runtime.logger)
        guarded.append(GuardedDependency(breaker: client.access.breaker) { try await client.ping() })
        runtime.logger.notice("live trading", metadata: ["exchange": "\(liveConnection)"])
    } else {
        broker = PaperBroker(model: settings.execution, rules: { settings.rules(for: $0) })
    }
    let engine = TradingEngine(
        settings: settings,
        store: PostgresTradingRepository(client: runtime.postgres, logger: runtime.logger),
        candleStore: PostgresCandleStore(client: runtime.postgres, logger: runtime.logger),
        broker: broker,
        metrics: engineMetrics, startOptions: options, logger: runtime.logger
    )
    engineHolder.engine = engine
    engineMetrics.role(leader: false)
    let router = runtime.makeRouter()
    let internalRoutes = runtime.internalRoutes(on: router)
    EngineRoutes(
        engine: engine, queries: TradingReadRepository(client: runtime.postgres, mode: options.mode.rawValue, logger: runtime.logger),
        settings: settings
    )
    .register(router: router, internalRoutes: internalRoutes)
    CircuitBreakerRoutes.register(on: internalRoutes, dependencies: guarded)
    return runtime.makeApplication(
        router: router,
        services: [
            LeaderElection(
                database: configuration.database, mode: options.mode, pollInterval: settings.pollInterval, engine: engine, logger: runtime.logger),
            EnginePeriodicTask.catchUp(engine, interval: settings.pollInterval, logger: runtime.logger),
        ] + (liveConnection == nil ? [] : [EnginePeriodicTask.reconciliation(engine, interval: settings.reconcileInterval, logger: runtime.logger)]))
}

/// Lets the runtime's readiness and health closures, made before the engine, reach it.
final class EngineHolder: Sendable {
    private let slot = Mutex<TradingEngine?>(nil)

    var engine: TradingEngine? {
        get { slot.withLock { $0 } }
        set { slot.withLock { $0 = newValue } }
    }
}
