/// Out-of-sample scores of a walk-forward: the model refitted on each training window (its own standardisation
/// included) and scored on the test window after it, never on rows it trained on.
public struct WalkForwardScores: Sendable, Equatable, Codable {
    public struct Fold: Sendable, Equatable, Codable {
        public var training: TrainedModel.Window
        public var test: TrainedModel.Window
        public var metrics: ClassificationMetrics
        public var baselineLogLoss: Double

        enum CodingKeys: String, CodingKey {
            case training, test, metrics
            case baselineLogLoss = "baseline_log_loss"
        }
    }

    public var folds: [Fold]
    /// Mean test log-loss over the folds: the score a retrained version must beat.
    public var meanLogLoss: Double
    public var meanBaselineLogLoss: Double
    public var meanAUC: Double?

    enum CodingKeys: String, CodingKey {
        case folds
        case meanLogLoss = "mean_log_loss"
        case meanBaselineLogLoss = "mean_baseline_log_loss"
        case meanAUC = "mean_auc"
    }
}
