import Foundation
import KeelsonModels
import KeelsonPersistence

/// What `keelson model train` and `evaluate` write: model.json (the artefact the registry stores, byte for byte)
/// and predictions.csv (time, probability, label, sample).
enum ModelFiles {
    static func write(model: TrainedModel, predictions: [ModelTraining.Prediction], to directory: String) throws -> (
        model: String, predictions: String
    ) {
        let folder = URL(fileURLWithPath: directory)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CLIError("cannot create \(directory): \((error as NSError).localizedDescription)")
        }
        let modelPath = folder.appendingPathComponent("model.json").path
        let predictionsPath = folder.appendingPathComponent("predictions.csv").path
        try write(try ModelArtefact.encode(model), to: modelPath)
        try write(Data(csv(predictions).utf8), to: predictionsPath)
        return (modelPath, predictionsPath)
    }

    static func csv(_ predictions: [ModelTraining.Prediction]) -> String {
        var text = "time,probability,label,sample\n"
        text.reserveCapacity(predictions.count * 48)
        for prediction in predictions {
            text +=
                "\(prediction.time.formatted(.iso8601)),\(prediction.probability),\(Int(prediction.label)),\(prediction.isTest ? "test" : "train")\n"
        }
        return text
    }

    static func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIError("cannot write \(path): \((error as NSError).localizedDescription)")
        }
    }

    /// One line per figure, for the terminal.
    static func summary(_ metrics: ClassificationMetrics, baseline: Double?) -> String {
        var parts = ["log-loss \(fixed(metrics.logLoss))"]
        if let baseline { parts.append("(baseline \(fixed(baseline)))") }
        parts.append("AUC \(metrics.auc.map(fixed) ?? "n/a")")
        parts.append("accuracy \(percent(metrics.accuracy))")
        parts.append("hit rate \(metrics.hitRate.map(percent) ?? "n/a")")
        parts.append("calibration error \(fixed(metrics.calibrationError))")
        parts.append("\(metrics.rows) rows")
        return parts.joined(separator: ", ")
    }

    static func fixed(_ value: Double) -> String { String(format: "%.4f", value) }
    static func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }
}
