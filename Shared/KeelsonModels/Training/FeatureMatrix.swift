/// Rows of feature values, row-major in one array so training walks memory in order.
public struct FeatureMatrix: Sendable, Equatable {
    public let columns: Int
    public private(set) var values: [Double]

    public init(columns: Int, values: [Double] = []) {
        precondition(columns > 0 && values.count % columns == 0, "a feature matrix holds whole rows")
        self.columns = columns
        self.values = values
    }

    public var rows: Int { values.count / columns }

    public subscript(row: Int, column: Int) -> Double {
        values[row * columns + column]
    }

    public func row(_ index: Int) -> ArraySlice<Double> {
        values[index * columns..<(index + 1) * columns]
    }

    public mutating func append(row: [Double]) {
        precondition(row.count == columns, "a row has one value per column")
        values.append(contentsOf: row)
    }

    public mutating func reserve(rows: Int) {
        values.reserveCapacity(rows * columns)
    }

    /// The rows in `range`, as a matrix of their own (a training or a test window).
    public func rows(_ range: Range<Int>) -> FeatureMatrix {
        FeatureMatrix(columns: columns, values: Array(values[range.lowerBound * columns..<range.upperBound * columns]))
    }

    /// The same rows with every value mapped in place.
    func mapped(_ transform: (_ column: Int, _ value: Double) -> Double) -> FeatureMatrix {
        var copy = self
        copy.values.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] = transform(index % columns, buffer[index]) }
        }
        return copy
    }
}
