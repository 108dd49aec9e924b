import Foundation
import KeelsonOptimizer
import KeelsonPersistence

/// `keelson optimize --apply-to ID --margin M` (a scheduled re-optimisation): the search's choice replaces ID's
/// parameters only when, on the same test windows, its out-of-sample objective beats theirs by the margin — and then
/// as a candidate beside ID, never by changing ID itself.
enum ReoptimizationDecision {
    static func decide(
        instance: String, margin: Double, best: Combination, outcome: OptimizationOutcome, optimizer: Optimizer, series: BarSeries, run: String,
        database: DatabaseOptions
    ) async throws {
        let objective = optimizer.objective.rawValue
        try await database.withClient { client, _ in
            let store = PostgresStrategyLifecycleStore(client: client, logger: CLILogger.quiet)
            guard let current = try await store.parameters(of: instance) else {
                throw CLIError(
                    "--apply-to: \(StrategyLifecycleError.unknownInstance(instance, known: try await store.states().keys.sorted()).description)",
                    exitCode: 2)
            }
            guard current.strategy == optimizer.space.strategy else {
                throw CLIError("--apply-to: \(instance) runs \(current.strategy), the search is of \(optimizer.space.strategy)", exitCode: 2)
            }
            let theirs: Double?
            do {
                theirs = try optimizer.outOfSample(of: current.parameters, comparedWith: outcome, on: series)
            } catch let error as OptimizerError {
                throw CLIError("--apply-to: \(error.description)", exitCode: 2)
            }
            let ours = outcome.outOfSampleMean
            let figures =
                "out-of-sample \(objective) \(OptimizationFiles.fixed(ours)) against \(OptimizationFiles.fixed(theirs)) for \(instance)'s current parameters (margin \(OptimizationFiles.number(margin)))"
            guard let ours, ours > (theirs ?? -.infinity) + margin else {
                print("kept \(instance)'s parameters: \(figures)")
                return
            }
            let candidate = String("\(instance)-\(run)".prefix(64))
            do {
                _ = try await store.apply(
                    ParameterApplication(
                        instance: instance, appliedAs: candidate, strategy: current.strategy,
                        parameters: SearchSpace.strategyParameters(best.parameters), runKey: run,
                        reason: "re-optimised: \(figures)", actor: "optimizer"))
            } catch let error as StrategyLifecycleError {
                throw CLIError("--apply-to: \(error.description)", exitCode: 2)
            }
            print("applied to \(instance) as candidate \(candidate): \(figures)")
        }
    }
}
