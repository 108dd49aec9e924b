import Foundation

/// Retraining a model on the latest window, and the decision whether the new version replaces the active one.
///
/// The candidate is trained with the active version's recipe (features, label, kind, hyper-parameters) on the
/// given bars. Both are then scored on the same walk-forward test windows: the candidate refitted on each
/// training window (its walk-forward score), the active version as it is (frozen). The candidate is promoted only
/// when its mean test log-loss is below both the active version's and the naive baseline's (always the training
/// base rate) by more than `margin`. The active version may have trained on some of those test bars, which
/// favours it: a candidate has to be clearly better to replace it.
public enum ModelRetraining {
    public struct Decision: Sendable {
        public var candidate: TrainedModel
        /// The candidate's predictions on its training and test rows, as `keelson model train` writes them.
        public var predictions: [ModelTraining.Prediction]
        public var candidateLogLoss: Double
        public var activeLogLoss: Double
        public var baselineLogLoss: Double
        public var margin: Double
        public var promote: Bool

        /// One sentence with the figures, recorded with the decision.
        public var reason: String {
            let figures =
                "walk-forward log-loss \(Self.text(candidateLogLoss)) vs active \(Self.text(activeLogLoss)) and baseline \(Self.text(baselineLogLoss)), margin \(margin)"
            return promote ? "retrained: beats the active version and the baseline (\(figures))" : "retrained, kept the active version: \(figures)"
        }

        static func text(_ value: Double) -> String { String(format: "%.5f", value) }
    }

    public static func run(
        active: TrainedModel, bars: [TimedBar], walkForward: [WalkForwardWindow], margin: Double, testFraction: Double = 0.2
    ) throws(ModelError) -> Decision {
        guard margin >= 0, margin.isFinite else { throw ModelError("the margin \(margin) is not allowed; give a log-loss margin ≥ 0, e.g. 0.001") }
        guard !walkForward.isEmpty else { throw ModelError("retraining needs walk-forward windows to compare the versions on") }
        let specification = try active.specification()
        let result = try ModelTraining.run(
            ModelTraining.Request(
                bars: bars, features: active.featureNames, label: active.label, specification: specification, testFraction: testFraction,
                walkForward: walkForward))
        let scores = result.model.metrics.walkForward!
        let evaluation = try ModelEvaluation.run(active, bars: bars)
        var activeLoss = 0.0
        for fold in scores.folds {
            let inWindow = evaluation.predictions.filter { $0.time >= fold.test.from && $0.time <= fold.test.to }
            guard !inWindow.isEmpty else { throw ModelError("the active version has no prediction in the test window from \(fold.test.from)") }
            activeLoss += ClassificationMetrics(probabilities: inWindow.map(\.probability), labels: inWindow.map(\.label)).logLoss
        }
        activeLoss /= Double(scores.folds.count)
        let promote = scores.meanLogLoss < activeLoss - margin && scores.meanLogLoss < scores.meanBaselineLogLoss - margin
        return Decision(
            candidate: result.model, predictions: result.predictions, candidateLogLoss: scores.meanLogLoss, activeLogLoss: activeLoss, baselineLogLoss: scores.meanBaselineLogLoss,
            margin: margin, promote: promote)
    }
}
