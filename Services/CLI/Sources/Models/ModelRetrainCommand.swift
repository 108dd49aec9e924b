import ArgumentParser
import Foundation
import KeelsonModels
import KeelsonOptimizer
import KeelsonPersistence

/// `keelson model retrain`: the active version of a name trained again on the latest history; the new version
/// replaces it only when it beats it and the naive baseline out of sample by the margin. Run on a schedule
/// (kubernetes/schedules/retrain-model.yaml); every decision is recorded.
struct ModelRetrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Retrain a name's active model on the latest history and promote the new version only if it beats the active one and the baseline.",
        discussion: """
            The new version keeps the active version's features, label, model and hyper-parameters. Both are scored on \
            the same walk-forward test windows (the new one refitted per window, the active one as it is); the new \
            version becomes active only when its mean log-loss is lower than both the active version's and the \
            baseline's by more than --margin; otherwise it is registered and retired with the figures.
            """
    )

    @Option(help: "The registry name whose active version is retrained.") var name: String
    @OptionGroup var history: HistoryOptions
    @Option(help: "Walk-forward windows, train=DURATION,test=DURATION[,step=DURATION] (d, h or w).") var walkForward: String
    @Option(help: "How much lower (log-loss) the new version's walk-forward score must be.") var margin = 0.001
    @Option(help: "Share of the newest rows held out as the new version's test set.") var testFraction = 0.2
    @Option(help: "Folder for the new version's model.json and predictions.csv.") var out: String
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            try ModelRegistryOptions.checkName(name)
            let plan: WalkForwardPlan
            do { plan = try WalkForwardPlan.parse(walkForward) } catch let error as OptimizerError { throw CLIError(error.description, exitCode: 2) }
            let active = try await ModelRegistryOptions.withRegistry(database) { registry in
                guard let record = try await registry.list(name: name).first(where: { $0.state == "active" }) else {
                    throw CLIError("\(name) has no active version to retrain; `keelson model promote ID` makes one active", exitCode: 2)
                }
                return try await registry.load(id: record.id)
            }
            let (bars, interval) = try await ModelHistory.bars(history, database: database)
            let windows = ModelHistory.windows(plan, bars: bars, interval: interval)
            let decision: ModelRetraining.Decision
            do {
                decision = try ModelRetraining.run(active: active.model, bars: bars, walkForward: windows, margin: margin, testFraction: testFraction)
            } catch let error as ModelError {
                throw CLIError(error.description, exitCode: 2)
            }
            _ = try ModelFiles.write(model: decision.candidate, predictions: decision.predictions, to: out)
            let record = try await ModelRegistryOptions.withRegistry(database) { registry in
                try await registry.recordRetraining(
                    decision, name: name, activeID: active.record.id, dataSource: history.description, actor: OptimizationRecorder.requester)
            }
            print("model \(record.id) (\(name) version \(record.version)): \(decision.reason)")
            print(decision.promote ? "model \(record.id) is active; model \(active.record.id) is retired" : "model \(active.record.id) stays active")
        }
    }
}
