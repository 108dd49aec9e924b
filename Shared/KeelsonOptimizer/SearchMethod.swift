import KeelsonDomain

/// How the combinations of a search space are chosen: all of them, or a seeded random sample without repeats.
public enum SearchMethod: Sendable, Equatable, Codable {
    case grid
    case random(count: Int, seed: UInt64)

    public static func parse(_ text: String, seed: UInt64) throws(OptimizerError) -> SearchMethod {
        if text == "grid" { return .grid }
        if text.hasPrefix("random:"), let count = Int(text.dropFirst("random:".count)), count > 0 {
            return .random(count: count, seed: seed)
        }
        throw OptimizerError("--search \(text) is not a search; expected grid or random:N, e.g. random:200")
    }

    /// Indices into the full grid of `size` combinations, ascending.
    public func pick(from size: Int) -> [Int] {
        switch self {
        case .grid:
            return Array(0..<size)
        case .random(let count, let seed):
            guard count < size else { return Array(0..<size) }
            // Floyd's sampling: `count` distinct indices in `count` draws, whatever the grid's size.
            var generator = SplitMix64(seed: seed)
            var chosen = Set<Int>()
            for upper in (size - count)..<size {
                let draw = Int.random(in: 0...upper, using: &generator)
                chosen.insert(chosen.contains(draw) ? upper : draw)
            }
            return chosen.sorted()
        }
    }
}
