/// A feature's standardised training distribution as deciles: the cut points between ten bins and the share of training rows
/// in each. Frozen into the model beside the feature's mean and deviation, so serving can tell how far the live
/// values have moved from what the model learned on (`PopulationStability`).
public struct FeatureDistribution: Sendable, Equatable, Codable {
    /// Ascending, distinct cut points; bin i holds values in (edges[i-1], edges[i]], the first bin everything up
    /// to edges[0] and the last everything above the last edge.
    public var edges: [Double]
    /// The share of training rows in each bin (edges.count + 1 of them, summing to 1).
    public var proportions: [Double]

    public static let bins = 10

    public init(edges: [Double], proportions: [Double]) {
        self.edges = edges
        self.proportions = proportions
    }

    /// The deciles of `values` (any order). A feature with few distinct values gets fewer bins, since repeated cut
    /// points are merged.
    public init(fitting values: [Double]) {
        let sorted = values.sorted()
        var edges: [Double] = []
        if !sorted.isEmpty {
            for decile in 1..<Self.bins {
                let cut = sorted[min(sorted.count - 1, (sorted.count * decile) / Self.bins)]
                if cut < sorted[sorted.count - 1], edges.last.map({ cut > $0 }) ?? true { edges.append(cut) }
            }
        }
        var counts = [Int](repeating: 0, count: edges.count + 1)
        for value in sorted { counts[Self.bin(of: value, edges: edges)] += 1 }
        let total = Double(max(sorted.count, 1))
        self.init(edges: edges, proportions: counts.map { Double($0) / total })
    }

    public var binCount: Int { edges.count + 1 }

    public func bin(of value: Double) -> Int { Self.bin(of: value, edges: edges) }

    /// The first bin whose upper edge is at or above `value` (binary search over the edges).
    static func bin(of value: Double, edges: [Double]) -> Int {
        var low = 0
        var high = edges.count
        while low < high {
            let middle = (low + high) / 2
            if value <= edges[middle] { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
