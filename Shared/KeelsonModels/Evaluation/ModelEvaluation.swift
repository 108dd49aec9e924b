/// A trained model scored on other history the way it serves: bar by bar through `StreamingModel`, each
/// probability compared with the label the following bars gave.
public enum ModelEvaluation {
    public struct Result: Sendable {
        public var predictions: [ModelTraining.Prediction]
        public var metrics: ClassificationMetrics
    }

    public static func run(_ model: TrainedModel, bars: [TimedBar]) throws(ModelError) -> Result {
        var serving = try StreamingModel(model)
        let horizon = model.label.horizon
        var predictions: [ModelTraining.Prediction] = []
        for (index, bar) in bars.enumerated() {
            guard let probability = serving.probability(after: bar.ohlcv, openTime: bar.openTime), index + horizon < bars.count else { continue }
            let label = model.label.label(now: bar.ohlcv.close, later: bars[index + horizon].ohlcv.close)
            predictions.append(ModelTraining.Prediction(time: bar.openTime, probability: probability, label: label, isTest: true))
        }
        guard !predictions.isEmpty else { throw ModelError("no bar of the \(bars.count) given has every feature and a label; give more history") }
        return Result(
            predictions: predictions, metrics: ClassificationMetrics(probabilities: predictions.map(\.probability), labels: predictions.map(\.label)))
    }
}
