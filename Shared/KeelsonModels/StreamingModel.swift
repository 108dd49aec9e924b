import Foundation
import KeelsonIndicators

/// A trained model fed bar by bar, as the signal service and backtests run it: the model's own feature
/// computer, its frozen standardisation, its predictor. Built from a `TrainedModel`, so a model that cannot be
/// served (a feature this build cannot compute, parts that do not fit) is refused before the first bar.
public struct StreamingModel: Sendable {
    public let model: TrainedModel
    private var computer: FeatureComputer
    private let standardization: Standardization
    private let predictor: Predictor
    private var values: [Double] = []

    public init(_ model: TrainedModel) throws(ModelError) {
        self.model = model
        computer = try FeatureComputer(names: model.featureNames)
        standardization = model.standardization
        predictor = try model.predictor()
    }

    /// Bars fed before the first probability.
    public var warmUp: Int { computer.warmUp }

    /// A reading after one bar: the probability of label 1 and the raw feature values behind it.
    public struct Reading: Sendable, Equatable {
        public var probability: Double
        public var features: [Double]
    }

    /// Feeds the next closed bar; nil while a feature is still warming up.
    public mutating func update(_ bar: OHLCV, openTime: Date) -> Reading? {
        guard computer.update(bar, openTime: openTime, into: &values) else { return nil }
        var scaled = values
        standardization.apply(&scaled)
        let probability = scaled.withUnsafeBufferPointer { predictor.probability($0) }
        return Reading(probability: probability, features: values)
    }

    /// The standardised features the last `probability(after:openTime:)` scored (what drift is measured on).
    public var standardizedFeatures: [Double] { values }

    /// The probability alone, without copying the features out: the per-bar path of a backtest.
    public mutating func probability(after bar: OHLCV, openTime: Date) -> Double? {
        guard computer.update(bar, openTime: openTime, into: &values) else { return nil }
        standardization.apply(&values)
        return values.withUnsafeBufferPointer { predictor.probability($0) }
    }
}
