/// Remembers the previous pair of values so a strategy can see a line cross another: a cross needs the fast
/// line strictly below (above) the slow one on the previous bar and strictly above (below) on this one.
struct Crossing: Sendable {
    enum Direction: Sendable { case up, down }

    private var previous: (fast: Double, slow: Double)?

    mutating func update(fast: Double, slow: Double) -> Direction? {
        defer { previous = (fast, slow) }
        guard let previous else { return nil }
        if previous.fast < previous.slow && fast > slow { return .up }
        if previous.fast > previous.slow && fast < slow { return .down }
        return nil
    }
}
