import ArgumentParser
import Foundation
import KeelsonModels
import KeelsonOptimizer
import KeelsonPersistence

/// `keelson model train`: features and labels from history, a model fitted on the older rows and scored on the
/// newer ones (and per walk-forward fold), model.json and predictions.csv written, optionally registered as a
/// candidate version.
struct ModelTrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a prediction model on history and write model.json and predictions.csv (optionally register it as a candidate).",
        discussion: """
            Features: \(FeatureName.usage). Label: \(LabelName.usage). Models: logistic (--param C=1.0) or gbdt \
            (--param \(BoostingSettings.usage)). The last --test-fraction of rows (in time) is held out and scored.
            """
    )

    @OptionGroup var history: HistoryOptions
    @Option(help: "Features, comma-separated, e.g. return:5,rsi:14,macd_hist:12:26:9,hour.") var features: String
    @Option(help: "What to predict, e.g. next_return:h=5.") var label: String
    @Option(name: .customLong("model"), help: "logistic or gbdt.") var kind: String
    @Option(name: .customLong("param"), help: "A hyper-parameter NAME=VALUE; repeat for several.") var parameters: [String] = []
    @Option(help: "Share of the newest rows held out as the test set (0 to below 1).") var testFraction = 0.2
    @Option(help: "Walk-forward windows, train=DURATION,test=DURATION[,step=DURATION] (d, h or w), e.g. train=30d,test=7d.")
    var walkForward: String?
    @Option(help: "Folder for model.json and predictions.csv.") var out: String
    @Flag(help: "Register the model as a candidate version in the model registry.") var register = false
    @Option(help: "The registry name the version belongs to (with --register).") var name = "model"
    @Option(help: "Why this version was trained (with --register).") var reason = "trained from the command line"
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let specification: ModelSpecification
            let names: [FeatureName]
            let target: LabelName
            do {
                specification = try ModelSpecification(kind: kind, parameters: try ModelSpecification.parameters(parameters))
                names = try FeatureName.list(parsing: features)
                target = try LabelName(parsing: label)
            } catch let error as ModelError {
                throw CLIError(error.description, exitCode: 2)
            }
            var plan: WalkForwardPlan?
            if let walkForward {
                do { plan = try WalkForwardPlan.parse(walkForward) } catch let error as OptimizerError {
                    throw CLIError(error.description, exitCode: 2)
                }
            }
            if register { try ModelRegistryOptions.checkName(name) }
            let (bars, interval) = try await ModelHistory.bars(history, database: database)
            let windows = plan.map { ModelHistory.windows($0, bars: bars, interval: interval) }
            let started = Date()
            let result: ModelTraining.Result
            do {
                result = try ModelTraining.run(
                    ModelTraining.Request(
                        bars: bars, features: names, label: target, specification: specification, testFraction: testFraction, walkForward: windows))
            } catch let error as ModelError {
                throw CLIError(error.description, exitCode: 2)
            }
            let seconds = Date().timeIntervalSince(started)
            let files = try ModelFiles.write(model: result.model, predictions: result.predictions, to: out)
            let model = result.model
            print(
                "trained \(model.kind) on \(model.training.rows) rows (\(model.training.from.formatted(.iso8601)) to \(model.training.to.formatted(.iso8601))) in \(String(format: "%.2f", seconds)) s"
            )
            print("training: \(ModelFiles.summary(model.metrics.training, baseline: nil))")
            if let test = model.metrics.test { print("test:     \(ModelFiles.summary(test, baseline: model.metrics.baselineLogLoss))") }
            if let scores = model.metrics.walkForward {
                print(
                    "walk-forward (\(scores.folds.count) folds): mean log-loss \(ModelFiles.fixed(scores.meanLogLoss)), baseline \(ModelFiles.fixed(scores.meanBaselineLogLoss)), mean AUC \(scores.meanAUC.map(ModelFiles.fixed) ?? "n/a")"
                )
            }
            print("wrote \(files.model) and \(files.predictions)")
            if register {
                let record = try await database.withClient { client, _ in
                    try await PostgresModelRegistry(client: client, logger: CLILogger.quiet).register(
                        model, name: name, dataSource: history.description, trainedBy: OptimizationRecorder.requester, reason: reason)
                }
                print(
                    "registered model \(record.id) (\(record.name) version \(record.version), candidate); `keelson model promote \(record.id) --reason …` makes it active"
                )
            }
        }
    }
}
