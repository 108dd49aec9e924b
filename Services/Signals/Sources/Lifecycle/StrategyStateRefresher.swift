import KeelsonPersistence
import Logging
import ServiceLifecycle

/// Re-reads the lifecycle states and the active model versions on an interval, so a change made anywhere (a
/// lifecycle move, a model promoted or rolled back) reaches this replica without a restart.
/// A failed read (the database away, the schema not migrated yet) keeps the last states and is tried again next
/// interval; a run of failures is logged once, and its end once.
struct StrategyStateRefresher: Service {
    static let variable = "KEELSON_STRATEGY_STATE_REFRESH_MS"
    static let defaultInterval = Duration.seconds(5)

    let gate: StrategyLifecycleGate
    /// Told the gate's instances after each refresh, so an applied instance is evaluated without a restart.
    let evaluator: StrategyEvaluator
    let models: ModelServer
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                do {
                    try await gate.refresh()
                    await evaluator.use(await gate.instances)
                    try await models.refresh()
                    await evaluator.use(models: await models.served)
                    if failing { logger.notice("strategy lifecycle states and model versions are read again") }
                    failing = false
                } catch {
                    if !failing {
                        logger.warning(
                            "strategy lifecycle states or model versions not refreshed; the last ones stay in force",
                            metadata: ["error": "\(DatabaseErrorDescription.describe(error))"])
                    }
                    failing = true
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
