import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonModels

/// Prediction time per candle (features, scaling and model: the serving path) and training time and peak memory
/// on a 1,000,000-row feature matrix. The matrix and labels are written to .build-bench/models/ so that
/// Benchmarks/peers/peer_models.py fits scikit-learn on exactly the same numbers (scripts/bench-peers.sh).
enum ModelBenchmark {
    static let features = "return:5,return:30,rsi:14,macd_hist:12:26:9,bb_percent_b:20:2,atr_ratio:14,volume_z:30,hour"
    static let folder = ".build-bench/models"

    struct Figures: Encodable {
        var rows: Int
        var columns: Int
        var logisticSeconds: Double
        var logisticPeakMB: Double
        var gbdtSeconds: Double
        var gbdtTrees: Int
        var gbdtPeakMB: Double
        var logisticLogLoss: Double
        var gbdtLogLoss: Double

        enum CodingKeys: String, CodingKey {
            case rows, columns
            case logisticSeconds = "logistic_seconds", logisticPeakMB = "logistic_peak_mb", gbdtSeconds = "gbdt_seconds", gbdtTrees = "gbdt_trees"
            case gbdtPeakMB = "gbdt_peak_mb", logisticLogLoss = "logistic_log_loss", gbdtLogLoss = "gbdt_log_loss"
        }
    }

    static func run() throws -> [String] {
        var lines = ["Prediction models:"]
        let start = Date(timeIntervalSince1970: 1_704_067_200)
        let bars = IndicatorBenchmarks.bars(count: 1_000_000 + 200, seed: 11).enumerated().map {
            TimedBar(openTime: start.addingTimeInterval(Double($0.offset) * 60), ohlcv: $0.element)
        }
        let names = try FeatureName.list(parsing: features)
        let dataset = try LabeledDataset(bars: bars, features: names, label: .nextReturn(horizon: 5))
        let rows = 1_000_000
        let training = dataset.slice(0..<rows)
        let standardization = Standardization(fitting: training.matrix)
        let scaled = standardization.apply(training.matrix)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try scaled.values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: "\(folder)/matrix.f64")) }
        try training.labels.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: "\(folder)/labels.f64")) }

        var clock = ContinuousClock.now
        let logistic = try LogisticRegression.fit(scaled, labels: training.labels, c: 1)
        let logisticSeconds = BackfillBenchmark.seconds(ContinuousClock.now - clock)
        let logisticPeak = Double(BackfillBenchmark.peakResidentBytes()) / 1_000_000
        clock = ContinuousClock.now
        var settings = BoostingSettings()
        settings.iterations = 100
        let gbdt = try GradientBoostedTrees.fit(scaled, labels: training.labels, settings: settings)
        let gbdtSeconds = BackfillBenchmark.seconds(ContinuousClock.now - clock)
        let gbdtPeak = Double(BackfillBenchmark.peakResidentBytes()) / 1_000_000
        let figures = Figures(
            rows: rows, columns: scaled.columns, logisticSeconds: logisticSeconds, logisticPeakMB: logisticPeak, gbdtSeconds: gbdtSeconds,
            gbdtTrees: gbdt.iterations, gbdtPeakMB: gbdtPeak,
            logisticLogLoss: ClassificationMetrics(probabilities: Predictor.logistic(logistic.model).probabilities(scaled), labels: training.labels)
                .logLoss,
            gbdtLogLoss: ClassificationMetrics(probabilities: Predictor.gbdt(gbdt.model).probabilities(scaled), labels: training.labels).logLoss)
        let encoder = JSONEncoder()
        try encoder.encode(figures).write(to: URL(fileURLWithPath: "\(folder)/keelson.json"))
        lines.append(
            "  training on \(rows) rows × \(scaled.columns) features: logistic (C=1, \(logistic.iterations) Newton steps) \(String(format: "%.2f", logisticSeconds)) s, peak \(Int(logisticPeak)) MB; gbdt (100 trees, 31 leaves, 1 core) \(String(format: "%.2f", gbdtSeconds)) s, peak \(Int(gbdtPeak)) MB"
        )

        // The serving path per candle: the model's feature computer, scaling and prediction, over fresh bars.
        let serveBars = Array(bars.prefix(1_000_000))
        let logisticModel = try trained(.logistic(c: 1), bars: Array(bars.prefix(100_000)), names: names)
        var deep = BoostingSettings()
        deep.iterations = 200
        deep.depth = 6
        deep.leaves = 64
        let treesModel = try trained(.gbdt(deep), bars: Array(bars.prefix(100_000)), names: names)
        let depths = treesModel.boosting!.trees.map(\.depth)
        for (label, model) in [("logistic, 8 features", logisticModel), ("gbdt, \(depths.count) trees of depth ≤ \(depths.max() ?? 0)", treesModel)] {
            let nanoseconds = try perCandle(model, bars: serveBars)
            lines.append("  prediction per candle (features + scaling + model), \(label): \(String(format: "%.0f", nanoseconds)) ns")
        }
        lines.append("  (make bench then fits scikit-learn on the same matrix: Benchmarks/peers/peer_models.py)")
        return lines
    }

    static func trained(_ specification: ModelSpecification, bars: [TimedBar], names: [FeatureName]) throws -> TrainedModel {
        try ModelTraining.run(ModelTraining.Request(bars: bars, features: names, label: .nextReturn(horizon: 5), specification: specification)).model
    }

    /// Best of three passes over the bars, in nanoseconds per bar.
    static func perCandle(_ model: TrainedModel, bars: [TimedBar]) throws -> Double {
        var best = Double.infinity
        var sink = 0.0
        for _ in 0..<3 {
            var serving = try StreamingModel(model)
            let clock = ContinuousClock.now
            for bar in bars { sink += serving.probability(after: bar.ohlcv, openTime: bar.openTime) ?? 0 }
            best = min(best, BackfillBenchmark.seconds(ContinuousClock.now - clock) * 1e9 / Double(bars.count))
        }
        if sink.isNaN { print("") }
        return best
    }
}
