import ArgumentParser
import Foundation
import KeelsonOptimizer
import KeelsonPersistence
import KeelsonStrategies

/// `keelson strategies apply-params ID --run RUN --reason WHY`: an optimisation run's best parameters, applied to an
/// instance as a new candidate beside it (the signal service picks it up within a refresh, no restart); promote it
/// with `keelson strategies promote` once its figures convince, and retire the old one.
struct StrategyApplyParamsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply-params",
        abstract:
            "Apply a recorded optimisation run's best parameters to an instance: a new candidate instance trades them (recorded in parameter_history and the audit log)."
    )

    @Argument(help: "The instance whose parameters change (keelson strategies list).") var id: String
    @Option(help: "The optimisation run (keelson optimize runs).") var run: String
    @Option(help: "Why; recorded in parameter_history, with the candidate's lifecycle event and in the audit log.") var reason: String
    @Option(name: .customLong("as"), help: "The candidate's instance id (default: ID-RUN, shortened to 64 characters).") var appliedAs: String?
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !why.isEmpty else { throw CLIError("--reason is empty; say why the parameters change", exitCode: 2) }
            let candidate = appliedAs ?? String("\(id)-\(run)".prefix(64))
            guard StrategyInstanceID.isValid(candidate) else {
                throw CLIError("--as \(candidate) is not an instance id (\(StrategyInstanceID.rule)); name it with --as", exitCode: 2)
            }
            let actor = OptimizationRecorder.requester
            let applied = try await database.withClient { client, _ in
                guard let record = try await PostgresOptimizationRunStore(client: client, logger: CLILogger.quiet).run(key: run) else {
                    throw CLIError(OptimizationRunStoreError.noSuchRun(key: run).description, exitCode: 2)
                }
                guard record.status == "succeeded", let best = record.bestParameters,
                    let found = try? JSONDecoder().decode([String: Double].self, from: Data(best.utf8))
                else {
                    throw CLIError("optimisation run \(run) is \(record.status) and has no best parameters to apply", exitCode: 2)
                }
                // Risk settings are the engine's, one set for every instance: they go in its settings file, not here.
                let parameters = SearchSpace.strategyParameters(found)
                let risk = found.filter { $0.key.hasPrefix(SearchSpace.riskPrefix) }.sorted { $0.key < $1.key }
                if !risk.isEmpty {
                    print(
                        "note: the run also chose \(risk.map { "\($0.key)=\(OptimizationFiles.number($0.value))" }.joined(separator: ", ")); risk settings are the engine's — set them in its settings file if you want them"
                    )
                }
                let store = PostgresStrategyLifecycleStore(client: client, logger: CLILogger.quiet)
                do {
                    return try await store.apply(
                        ParameterApplication(
                            instance: id, appliedAs: candidate, strategy: record.strategy, parameters: parameters, runKey: run, reason: why,
                            actor: actor))
                } catch let error as StrategyLifecycleError {
                    throw CLIError(error.description, exitCode: 2)
                }
            }
            let changes = applied.parameters.keys.sorted().map { name in
                "\(name) \(applied.previous[name].map { OptimizationFiles.number($0) } ?? "default") → \(OptimizationFiles.number(applied.parameters[name]!))"
            }
            print("\(candidate): a candidate of \(applied.strategy) with \(changes.joined(separator: ", ")) (from run \(run), applied to \(id))")
            print("the signal service evaluates it within its refresh; promote it with `keelson strategies promote \(candidate) --reason ...`")
        }
    }
}
