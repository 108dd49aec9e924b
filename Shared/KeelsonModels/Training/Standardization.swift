/// Each feature's mean and population standard deviation (ddof 0) over the training rows, frozen into the model
/// so that serving scales live features exactly as training did. A feature that never varied in training keeps a
/// deviation of 1 (as scikit-learn's StandardScaler), so it is only centred.
public struct Standardization: Sendable, Equatable, Codable {
    public var means: [Double]
    public var deviations: [Double]

    public init(means: [Double], deviations: [Double]) {
        self.means = means
        self.deviations = deviations
    }

    public init(fitting matrix: FeatureMatrix) {
        let columns = matrix.columns
        let rows = Double(matrix.rows)
        var means = [Double](repeating: 0, count: columns)
        for row in 0..<matrix.rows {
            for column in 0..<columns { means[column] += matrix[row, column] }
        }
        means = means.map { $0 / rows }
        // Two passes (mean, then squared distances from it): no cancellation for features far from zero.
        var squares = [Double](repeating: 0, count: columns)
        for row in 0..<matrix.rows {
            for column in 0..<columns {
                let distance = matrix[row, column] - means[column]
                squares[column] += distance * distance
            }
        }
        self.means = means
        deviations = squares.map { sum in
            let deviation = (sum / rows).squareRoot()
            return deviation > 0 && deviation.isFinite ? deviation : 1
        }
    }

    public func apply(_ matrix: FeatureMatrix) -> FeatureMatrix {
        matrix.mapped { column, value in (value - means[column]) / deviations[column] }
    }

    public func apply(_ row: inout [Double]) {
        for column in row.indices { row[column] = (row[column] - means[column]) / deviations[column] }
    }
}
