import Hummingbird
import KeelsonPersistence
import KeelsonPortfolio
import KeelsonServiceKit
import Logging
import ServiceLifecycle

/// Builds `keelson-signals`: runs the configured strategies on closed candles (ml_classifier ones on the active
/// version of their registry model), stores each signal once, forwards new signals to the engine, and serves the
/// model registry and analyses. `strategies` defaults to the file named by `KEELSON_STRATEGIES_FILE`,
/// `lifecycleRules` to the file's (or the defaults when `strategies` are given), `lifecycleRefresh` (how often lifecycle
/// states are re-read) to `KEELSON_STRATEGY_STATE_REFRESH_MS`, else 5 s, `modelRetraining` to `KEELSON_MODEL_RETRAIN`'s
/// schedule (none when it is unset or off).
public func buildSignalsApplication(
    configuration: ServiceConfiguration,
    strategies: [StrategyInstance]? = nil,
    lifecycleRules: StrategyLifecycleRules? = nil,
    lifecycleRefresh: Duration? = nil,
    modelRetraining: ModelRetrainSchedule? = nil,
    metrics: ServiceMetrics? = nil,
    logger: Logger? = nil
) throws(ConfigurationError) -> some ApplicationProtocol {
    let instances: [StrategyInstance]
    let rules: StrategyLifecycleRules
    if let strategies {
        instances = strategies
        rules = lifecycleRules ?? StrategyLifecycleRules()
    } else {
        let file = try StrategiesFile.load()
        instances = file.instances
        rules = lifecycleRules ?? file.rules
    }
    let runtime = ServiceRuntime(configuration: configuration, logger: logger, metrics: metrics)
    let signalsMetrics = SignalsMetrics(runtime.metrics)
    let candles = PostgresCandleStore(client: runtime.postgres, logger: runtime.logger)
    let evaluator = StrategyEvaluator(instances: instances, candles: candles, metrics: signalsMetrics)
    let models = ModelServer(
        registry: PostgresModelRegistry(client: runtime.postgres, logger: runtime.logger), metrics: signalsMetrics, logger: runtime.logger)
    let forwarder = SignalForwarder(client: runtime.client(for: .engine), metrics: signalsMetrics, logger: runtime.logger)
    let lifecycle = PostgresStrategyLifecycleStore(client: runtime.postgres, logger: runtime.logger)
    let gate = StrategyLifecycleGate(store: lifecycle, instances: instances, metrics: signalsMetrics, logger: runtime.logger)
    let configuredRefresh = try EnvironmentReader().duration(StrategyStateRefresher.variable)
    let refresher = StrategyStateRefresher(
        gate: gate, evaluator: evaluator, models: models, interval: lifecycleRefresh ?? configuredRefresh ?? StrategyStateRefresher.defaultInterval,
        logger: runtime.logger)
    let shadow = ShadowReplay(candles: candles, terms: try ShadowReplay.Terms.load())
    let lifecycleEvaluator = StrategyLifecycleEvaluator(
        rules: rules, store: lifecycle, gate: gate, postgres: runtime.postgres, metrics: signalsMetrics, logger: runtime.logger,
        shadow: (shadow, evaluator))
    let router = runtime.makeRouter()
    SignalRoutes(
        evaluator: evaluator, gate: gate, lifecycle: lifecycle,
        store: PostgresSignalStore(client: runtime.postgres, logger: runtime.logger),
        forwarder: forwarder, metrics: signalsMetrics, logger: runtime.logger
    ).register(router: router, internalRoutes: runtime.internalRoutes(on: router))
    ModelRoutes(server: models, evaluator: evaluator, candles: candles, historyBars: evaluator.historyBars).register(router: router)
    var services: [any Service] = [forwarder, refresher, lifecycleEvaluator]
    var retraining = modelRetraining
    if retraining == nil { retraining = try ModelRetrainSchedule.load() }
    if let schedule = retraining {
        services.append(
            ModelRetrainer(
                schedule: schedule, server: models, evaluator: evaluator, candles: candles, metrics: signalsMetrics, logger: runtime.logger))
    }
    return runtime.makeApplication(router: router, services: services)
}
