/// One boosted tree, flat in arrays so a prediction walks a few cache lines. Node 0 is the root; a node with
/// feature −1 is a leaf holding its contribution to the raw score (learning rate already applied).
public struct RegressionTree: Sendable, Equatable, Codable {
    public var feature: [Int32]
    /// A row goes left when its value is ≤ the threshold.
    public var threshold: [Double]
    public var left: [Int32]
    public var right: [Int32]
    public var value: [Double]

    init() {
        feature = []
        threshold = []
        left = []
        right = []
        value = []
    }

    mutating func addLeaf(_ leafValue: Double) -> Int {
        feature.append(-1)
        threshold.append(0)
        left.append(-1)
        right.append(-1)
        value.append(leafValue)
        return feature.count - 1
    }

    mutating func split(_ node: Int, feature splitFeature: Int, threshold splitThreshold: Double, left leftNode: Int, right rightNode: Int) {
        feature[node] = Int32(splitFeature)
        threshold[node] = splitThreshold
        left[node] = Int32(leftNode)
        right[node] = Int32(rightNode)
        value[node] = 0
    }

    @inlinable
    public func score(_ row: UnsafeBufferPointer<Double>) -> Double {
        var node = 0
        while feature[node] >= 0 {
            node = Int(row[Int(feature[node])] <= threshold[node] ? left[node] : right[node])
        }
        return value[node]
    }

    public var leaves: Int { feature.reduce(0) { $0 + ($1 < 0 ? 1 : 0) } }

    public var depth: Int {
        func depth(_ node: Int) -> Int {
            feature[node] < 0 ? 0 : 1 + max(depth(Int(left[node])), depth(Int(right[node])))
        }
        return feature.isEmpty ? 0 : depth(0)
    }
}
