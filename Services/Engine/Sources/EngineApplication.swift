import Hummingbird
import KeelsonPersistence
import KeelsonServiceKit
import Logging
import Synchronization

/// Builds `keelson-engine`: leader election, recovery, the risk manager, orders through the paper broker,
/// positions and balances in PostgreSQL, and the API.
public func buildEngineApplication(
    configuration: ServiceConfiguration,
    settings: EngineSettings? = nil,
    startOptions: EngineStartOptions? = nil,
    metrics: ServiceMetrics? = nil,
    logger: Logger? = nil
) throws(ConfigurationError) -> some ApplicationProtocol {
    let settings = if let settings { settings } else { try EngineSettings.load() }
    let options = startOptions ?? EngineStartOptions(mode: configuration.mode.rawValue)
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
    let engine = TradingEngine(
        settings: settings,
        store: PostgresTradingStore(client: runtime.postgres, logger: runtime.logger),
        candleStore: PostgresCandleStore(client: runtime.postgres, logger: runtime.logger),
        broker: PaperBroker(model: settings.execution, rules: { settings.rules(for: $0) }),
        metrics: engineMetrics, startOptions: options, logger: runtime.logger
    )
    engineHolder.engine = engine
    engineMetrics.role(leader: false)
    let router = runtime.makeRouter()
    EngineRoutes(engine: engine, queries: TradingQueries(client: runtime.postgres, mode: options.mode, logger: runtime.logger), settings: settings)
        .register(router: router, internalRoutes: runtime.internalRoutes(on: router))
    return runtime.makeApplication(router: router, services: [
        LeaderElection(database: configuration.database, mode: options.mode, pollInterval: settings.pollInterval, engine: engine, logger: runtime.logger),
        EngineCatchUp(engine: engine, interval: settings.pollInterval, logger: runtime.logger),
    ])
}

/// Lets the runtime's readiness and health closures, made before the engine, reach it.
final class EngineHolder: Sendable {
    private let slot = Mutex<TradingEngine?>(nil)

    var engine: TradingEngine? {
        get { slot.withLock { $0 } }
        set { slot.withLock { $0 = newValue } }
    }
}
