import ArgumentParser
import Foundation
import KeelsonModels
import KeelsonPersistence

/// `keelson model evaluate`: a registered version (or a model.json) run bar by bar over other history — the
/// serving path, not the training one — and scored against what happened.
struct ModelEvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a registered model (or a model.json) on history: log-loss, AUC, accuracy, hit rate, calibration."
    )

    @Argument(help: "The model id (keelson model list); or give --file.") var id: Int64?
    @Option(help: "A model.json written by `keelson model train`, instead of a registered id.") var file: String?
    @OptionGroup var history: HistoryOptions
    @Option(help: "Write predictions.csv (time, probability, label) here.") var out: String?
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (id == nil) != (file == nil) else { throw ValidationError("give a model id or --file model.json, not both") }
    }

    func run() async throws {
        try await reportingErrors {
            let model = try await ModelRegistryOptions.model(id: id ?? 0, file: file, database: database)
            let (bars, _) = try await ModelHistory.bars(history, database: database)
            let evaluation: ModelEvaluation.Result
            do { evaluation = try ModelEvaluation.run(model, bars: bars) } catch let error as ModelError {
                throw CLIError(error.description, exitCode: 2)
            }
            let (predictions, metrics) = (evaluation.predictions, evaluation.metrics)
            print("\(model.kind) \(model.label) on \(history.description): \(ModelFiles.summary(metrics, baseline: nil))")
            if let trainedOn = model.metrics.test {
                print("at training (test rows): \(ModelFiles.summary(trainedOn, baseline: model.metrics.baselineLogLoss))")
            }
            if let out {
                try ModelFiles.write(Data(ModelFiles.csv(predictions).utf8), to: out)
                print("wrote \(out)")
            }
        }
    }
}
