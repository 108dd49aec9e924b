import Foundation

/// A model as written to model.json and stored in the registry: everything needed to compute its features,
/// scale them as in training and predict, plus how it was made and how well it did.
public struct TrainedModel: Sendable, Equatable, Codable {
    /// A feature with the statistics of its training rows, frozen so serving scales live values the same way.
    public struct FrozenFeature: Sendable, Equatable, Codable {
        public var name: FeatureName
        public var mean: Double
        public var standardDeviation: Double
        /// The deciles of the standardised training values, against which serving measures drift; absent in models
        /// trained before it was kept.
        public var distribution: FeatureDistribution?

        enum CodingKeys: String, CodingKey {
            case name, mean, distribution
            case standardDeviation = "standard_deviation"
        }
    }

    /// The first and last bar (open times) of a window, and its rows.
    public struct Window: Sendable, Equatable, Codable {
        public var from: Date
        public var to: Date
        public var rows: Int

        public init(from: Date, to: Date, rows: Int) {
            self.from = from
            self.to = to
            self.rows = rows
        }
    }

    public static let currentFormat = 1

    public var format: Int
    public var kind: String
    public var features: [FrozenFeature]
    public var label: LabelName
    public var hyperParameters: [String: String]
    /// The logistic model's weights by feature name, on standardised features.
    public var coefficients: [String: Double]?
    public var intercept: Double?
    public var boosting: GradientBoostedTrees?
    public var training: Window
    public var test: Window?
    public var metrics: ModelMetrics

    enum CodingKeys: String, CodingKey {
        case format, kind, features, label, coefficients, intercept, training, test, metrics
        case hyperParameters = "hyper_parameters"
        case boosting = "trees"
    }

    public var featureNames: [FeatureName] { features.map(\.name) }

    public var standardization: Standardization {
        Standardization(means: features.map(\.mean), deviations: features.map(\.standardDeviation))
    }

    /// How the model was trained, to train it again on other data (its recorded kind and hyper-parameters).
    public func specification() throws(ModelError) -> ModelSpecification {
        var parameters = hyperParameters
        if parameters["depth"] == "none" { parameters.removeValue(forKey: "depth") }
        return try ModelSpecification(kind: kind, parameters: parameters)
    }

    /// The fitted model; refuses a file whose parts do not fit together (a coefficient missing for a feature, a
    /// kind without its parameters).
    public func predictor() throws(ModelError) -> Predictor {
        switch kind {
        case "logistic":
            guard let coefficients, let intercept else { throw ModelError("the logistic model has no coefficients or intercept") }
            var weights: [Double] = []
            for feature in features {
                guard let weight = coefficients[feature.name.description] else {
                    throw ModelError("the logistic model has no coefficient for feature '\(feature.name)'")
                }
                weights.append(weight)
            }
            guard coefficients.count == features.count else { throw ModelError("the logistic model has coefficients for features it does not list") }
            return .logistic(LogisticRegression(coefficients: weights, intercept: intercept))
        case "gbdt":
            guard let boosting else { throw ModelError("the gbdt model has no trees") }
            for tree in boosting.trees where tree.feature.contains(where: { Int($0) >= features.count }) || tree.feature.isEmpty {
                throw ModelError("a tree of the gbdt model splits on a feature the model does not list")
            }
            return .gbdt(boosting)
        default:
            throw ModelError("unknown model kind '\(kind)'; the models are \(ModelSpecification.kinds)")
        }
    }
}

/// How a model did: on its held-out test rows, per walk-forward fold, and against the naive baseline that
/// always predicts the training rows' share of 1s.
public struct ModelMetrics: Sendable, Equatable, Codable {
    public var training: ClassificationMetrics
    public var test: ClassificationMetrics?
    /// Log-loss on the test rows of the constant prediction (the training base rate).
    public var baselineLogLoss: Double?
    public var walkForward: WalkForwardScores?
    public var iterations: Int?

    enum CodingKeys: String, CodingKey {
        case training, test, iterations
        case baselineLogLoss = "baseline_log_loss"
        case walkForward = "walk_forward"
    }
}
