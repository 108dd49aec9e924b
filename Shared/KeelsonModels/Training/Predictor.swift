/// A fitted model of either kind, on standardised features.
public enum Predictor: Sendable, Equatable, Codable {
    case logistic(LogisticRegression)
    case gbdt(GradientBoostedTrees)

    public static func fit(_ specification: ModelSpecification, _ matrix: FeatureMatrix, labels: [Double]) throws(ModelError) -> Predictor {
        switch specification {
        case let .logistic(c): .logistic(try LogisticRegression.fit(matrix, labels: labels, c: c).model)
        case let .gbdt(settings): .gbdt(try GradientBoostedTrees.fit(matrix, labels: labels, settings: settings).model)
        }
    }

    /// The probability of label 1 for one row of standardised features.
    @inlinable
    public func probability(_ row: UnsafeBufferPointer<Double>) -> Double {
        switch self {
        case let .logistic(model): model.probability(row)
        case let .gbdt(model): LogisticRegression.sigmoid(model.rawScore(row))
        }
    }

    public func probabilities(_ matrix: FeatureMatrix) -> [Double] {
        matrix.values.withUnsafeBufferPointer { values in
            (0..<matrix.rows).map { row in
                probability(UnsafeBufferPointer(rebasing: values[row * matrix.columns..<(row + 1) * matrix.columns]))
            }
        }
    }
}
