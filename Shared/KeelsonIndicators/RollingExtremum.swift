/// The highest (or lowest) of the last `window` values, kept with a monotonic deque.
///
/// Rescanning the window on every bar is O(period); the deque only holds values that can still become the
/// extreme (each newer than and beyond every later one), so each value is pushed and popped at most once:
/// O(1) amortised, and never more than `window` entries.
struct RollingExtremum: Sendable {
    enum Kind: Sendable {
        case maximum
        case minimum
    }

    private struct Candidate: Sendable {
        var index: Int
        var value: Double
    }

    let window: Int
    let kind: Kind
    private var candidates: RingBuffer<Candidate>
    private var index = 0

    init(_ kind: Kind, window: Int) {
        precondition(window > 0, "a rolling extremum needs a window of at least one value")
        self.kind = kind
        self.window = window
        candidates = RingBuffer(capacity: window)
    }

    /// Adds the newest value and returns the extreme of the last `window` values, this one included.
    mutating func add(_ value: Double) -> Double {
        // Expire first, so the deque has room: what is left lies within the last window − 1 indices.
        while let oldest = candidates.first, oldest.index <= index - window {
            candidates.removeFirst()
        }
        // An older value that the new one equals or beats can never be the extreme again.
        while let newest = candidates.last, !beats(newest.value, value) {
            candidates.removeLast()
        }
        candidates.append(Candidate(index: index, value: value))
        index += 1
        return candidates.first!.value
    }

    private func beats(_ value: Double, _ other: Double) -> Bool {
        switch kind {
        case .maximum: value > other
        case .minimum: value < other
        }
    }
}
