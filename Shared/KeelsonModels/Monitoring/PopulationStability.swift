import Foundation

/// The population stability index of live values against a feature's training distribution over the last
/// `window` values: Σ (live − training) · ln(live / training) over the training bins. Below 0.1 the feature is
/// stable, 0.1–0.25 it has moved, above 0.25 the model is scoring data unlike what it learned on.
public struct PopulationStability: Sendable {
    public let distribution: FeatureDistribution
    public let window: Int
    private var recent: [Int]
    private var next = 0
    private var counts: [Int]

    /// A share of zero would make the index infinite; an empty bin counts as this share instead (a common choice).
    static let emptyShare = 0.0001

    public init(distribution: FeatureDistribution, window: Int = 500) {
        precondition(window > 0, "a drift window holds at least one value")
        self.distribution = distribution
        self.window = window
        recent = []
        recent.reserveCapacity(window)
        counts = [Int](repeating: 0, count: distribution.binCount)
    }

    /// Values seen, up to the window.
    public var observed: Int { recent.count }

    public mutating func observe(_ value: Double) {
        let bin = distribution.bin(of: value)
        if recent.count < window {
            recent.append(bin)
        } else {
            counts[recent[next]] -= 1
            recent[next] = bin
            next = (next + 1) % window
        }
        counts[bin] += 1
    }

    /// The index over the values in the window; nil before any value.
    public var index: Double? {
        guard !recent.isEmpty else { return nil }
        let total = Double(recent.count)
        var sum = 0.0
        for (count, expected) in zip(counts, distribution.proportions) {
            let actual = max(Double(count) / total, Self.emptyShare)
            let training = max(expected, Self.emptyShare)
            sum += (actual - training) * log(actual / training)
        }
        return sum
    }
}
