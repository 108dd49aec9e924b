import Foundation

/// Trains a model the one way every caller does (the CLI, the scheduled retraining, the tests): features and
/// labels from the bars, the last `testFraction` of rows held out in time order, standardisation fitted on the
/// training rows only, the model fitted, and everything scored on rows it never saw.
public enum ModelTraining {
    public struct Request: Sendable {
        public var bars: [TimedBar]
        public var features: [FeatureName]
        public var label: LabelName
        public var specification: ModelSpecification
        public var testFraction: Double
        /// The walk-forward's windows in time, when one is wanted.
        public var walkForward: [WalkForwardWindow]?

        public init(
            bars: [TimedBar], features: [FeatureName], label: LabelName, specification: ModelSpecification, testFraction: Double = 0.2,
            walkForward: [WalkForwardWindow]? = nil
        ) {
            self.bars = bars
            self.features = features
            self.label = label
            self.specification = specification
            self.testFraction = testFraction
            self.walkForward = walkForward
        }
    }

    public struct Prediction: Sendable, Equatable {
        public var time: Date
        public var probability: Double
        public var label: Double
        public var isTest: Bool
    }

    public struct Result: Sendable {
        public var model: TrainedModel
        public var predictions: [Prediction]
    }

    /// Fewer rows than this cannot say anything about a model; refusing them catches a wrong file or range early.
    public static let minimumTrainingRows = 20

    public static func run(_ request: Request) throws(ModelError) -> Result {
        guard (0..<1).contains(request.testFraction) else {
            throw ModelError("the test fraction \(request.testFraction) is not allowed; give a number from 0 (no test rows) to below 1")
        }
        let dataset = try LabeledDataset(bars: request.bars, features: request.features, label: request.label)
        let testRows = Int((Double(dataset.count) * request.testFraction).rounded(.down))
        let trainRows = dataset.count - testRows
        guard trainRows >= Self.minimumTrainingRows else {
            throw ModelError(
                "only \(dataset.count) rows have every feature and a label (from \(request.bars.count) bars), \(trainRows) of them to train on; "
                    + "at least \(Self.minimumTrainingRows) are needed; give more data or shorter look-backs")
        }
        let training = dataset.slice(0..<trainRows)
        let (predictor, standardization, iterations) = try fit(request.specification, training)
        let trainProbabilities = predictor.probabilities(standardization.apply(training.matrix))
        var metrics = ModelMetrics(training: ClassificationMetrics(probabilities: trainProbabilities, labels: training.labels))
        metrics.iterations = iterations
        var predictions = zip(training.times, zip(trainProbabilities, training.labels)).map {
            Prediction(time: $0.0, probability: $0.1.0, label: $0.1.1, isTest: false)
        }
        var testWindow: TrainedModel.Window?
        if testRows > 0 {
            let test = dataset.slice(trainRows..<dataset.count)
            let probabilities = predictor.probabilities(standardization.apply(test.matrix))
            metrics.test = ClassificationMetrics(probabilities: probabilities, labels: test.labels)
            metrics.baselineLogLoss = baselineLogLoss(training: training.labels, test: test.labels)
            testWindow = window(test)
            predictions += zip(test.times, zip(probabilities, test.labels)).map {
                Prediction(time: $0.0, probability: $0.1.0, label: $0.1.1, isTest: true)
            }
        }
        if let walkForward = request.walkForward {
            metrics.walkForward = try walkForwardScores(request.specification, dataset, windows: walkForward)
        }
        let scaledTraining = standardization.apply(training.matrix)
        var model = TrainedModel(
            format: TrainedModel.currentFormat, kind: request.specification.kind,
            features: request.features.indices.map { column in
                TrainedModel.FrozenFeature(
                    name: request.features[column], mean: standardization.means[column], standardDeviation: standardization.deviations[column],
                    distribution: FeatureDistribution(fitting: (0..<scaledTraining.rows).map { scaledTraining[$0, column] }))
            },
            label: request.label, hyperParameters: request.specification.hyperParameters, training: window(training), test: testWindow,
            metrics: metrics)
        switch predictor {
        case let .logistic(logistic):
            model.coefficients = Dictionary(uniqueKeysWithValues: zip(request.features.map(\.description), logistic.coefficients))
            model.intercept = logistic.intercept
        case let .gbdt(boosting):
            model.boosting = boosting
        }
        return Result(model: model, predictions: predictions)
    }

    static func fit(_ specification: ModelSpecification, _ training: LabeledDataset) throws(ModelError) -> (Predictor, Standardization, Int?) {
        let standardization = Standardization(fitting: training.matrix)
        let scaled = standardization.apply(training.matrix)
        switch specification {
        case let .logistic(c):
            let fit = try LogisticRegression.fit(scaled, labels: training.labels, c: c)
            return (.logistic(fit.model), standardization, fit.iterations)
        case let .gbdt(settings):
            let fit = try GradientBoostedTrees.fit(scaled, labels: training.labels, settings: settings)
            return (.gbdt(fit.model), standardization, fit.iterations)
        }
    }

    /// Each window's model is fitted on the rows inside its training range and scored on those inside its test range.
    static func walkForwardScores(_ specification: ModelSpecification, _ dataset: LabeledDataset, windows: [WalkForwardWindow]) throws(ModelError)
        -> WalkForwardScores
    {
        var folds: [WalkForwardScores.Fold] = []
        for step in windows {
            let trainRange = rows(of: dataset, in: step.train)
            let testRange = rows(of: dataset, in: step.test)
            guard trainRange.count >= minimumTrainingRows, !testRange.isEmpty else {
                throw ModelError(
                    "walk-forward fold \(folds.count + 1) has \(trainRange.count) training and \(testRange.count) test rows; "
                        + "each needs at least \(minimumTrainingRows) and 1 — use longer windows")
            }
            let training = dataset.slice(trainRange)
            let testing = dataset.slice(testRange)
            let (predictor, standardization, _) = try fit(specification, training)
            let probabilities = predictor.probabilities(standardization.apply(testing.matrix))
            folds.append(
                WalkForwardScores.Fold(
                    training: window(training), test: window(testing),
                    metrics: ClassificationMetrics(probabilities: probabilities, labels: testing.labels),
                    baselineLogLoss: baselineLogLoss(training: training.labels, test: testing.labels)))
        }
        guard !folds.isEmpty else { throw ModelError("the walk-forward has no fold: the data is shorter than one training and one test window") }
        let count = Double(folds.count)
        let aucs = folds.compactMap(\.metrics.auc)
        return WalkForwardScores(
            folds: folds, meanLogLoss: folds.map(\.metrics.logLoss).reduce(0, +) / count,
            meanBaselineLogLoss: folds.map(\.baselineLogLoss).reduce(0, +) / count,
            meanAUC: aucs.count == folds.count ? aucs.reduce(0, +) / count : nil)
    }

    /// The rows whose bar opened within `range` (rows are in time order).
    static func rows(of dataset: LabeledDataset, in range: Range<Date>) -> Range<Int> {
        let start = dataset.times.partitioningIndex { $0 >= range.lowerBound }
        let end = dataset.times.partitioningIndex { $0 >= range.upperBound }
        return start..<max(start, end)
    }

    /// The log-loss of always predicting the training rows' share of 1s.
    static func baselineLogLoss(training: [Double], test: [Double]) -> Double {
        let rate = min(max(training.reduce(0, +) / Double(training.count), 1e-15), 1 - 1e-15)
        return ClassificationMetrics(probabilities: Array(repeating: rate, count: test.count), labels: test).logLoss
    }

    static func window(_ dataset: LabeledDataset) -> TrainedModel.Window {
        TrainedModel.Window(from: dataset.times.first!, to: dataset.times.last!, rows: dataset.count)
    }
}

/// One walk-forward step: a model trained on the bars opened in `train`, scored on those opened in `test`.
public struct WalkForwardWindow: Sendable, Equatable {
    public var train: Range<Date>
    public var test: Range<Date>

    public init(train: Range<Date>, test: Range<Date>) {
        self.train = train
        self.test = test
    }
}

extension Array {
    /// The first index whose element satisfies `predicate`, for a predicate false then true along the array.
    fileprivate func partitioningIndex(where predicate: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if predicate(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
