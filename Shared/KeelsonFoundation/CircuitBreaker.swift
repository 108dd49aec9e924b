import Foundation

/// Stops calling a dependency that keeps failing: after `failureThreshold` failures in a row the breaker opens
/// and no call is made for `openDuration`; then calls are let through again (half open) — the first success
/// closes it, a failure opens it again for a full period. An operator can close it at once (`reset`), e.g. after fixing an API key.
public actor CircuitBreaker {
    public enum State: String, Sendable, Codable { case closed, open, halfOpen = "half_open" }

    public struct Snapshot: Sendable, Codable, Equatable {
        public var name: String
        public var state: State
        public var consecutiveFailures: Int
        public var openedAt: Date?
        public var retryAt: Date?

        enum CodingKeys: String, CodingKey {
            case name, state
            case consecutiveFailures = "consecutive_failures"
            case openedAt = "opened_at"
            case retryAt = "retry_at"
        }
    }

    public nonisolated let name: String
    let failureThreshold: Int
    let openDuration: TimeInterval
    private var failures = 0
    private var openedAt: Date?
    private let onChange: @Sendable (Bool) -> Void

    /// - Parameter onChange: told `true` when the breaker opens and `false` when it closes (for a metric).
    public init(name: String, failureThreshold: Int = 5, openDuration: TimeInterval = 60, onChange: @escaping @Sendable (Bool) -> Void = { _ in }) {
        self.name = name
        self.failureThreshold = max(1, failureThreshold)
        self.openDuration = openDuration
        self.onChange = onChange
    }

    public func state(now: Date = .now) -> State {
        guard let openedAt else { return .closed }
        return now.timeIntervalSince(openedAt) >= openDuration ? .halfOpen : .open
    }

    /// How long the caller must wait before calling; nil when it may call now.
    public func waitBeforeCalling(now: Date = .now) -> TimeInterval? {
        guard let openedAt else { return nil }
        let remaining = openDuration - now.timeIntervalSince(openedAt)
        return remaining > 0 ? remaining : nil
    }

    public func recordSuccess() {
        failures = 0
        if openedAt != nil {
            openedAt = nil
            onChange(false)
        }
    }

    public func recordFailure(now: Date = .now) {
        failures += 1
        // A failed trial call re-opens the breaker for a full period.
        if failures >= failureThreshold, openedAt == nil || state(now: now) == .halfOpen {
            let wasOpen = openedAt != nil
            openedAt = now
            if !wasOpen { onChange(true) }
        }
    }

    /// Closes the breaker; returns the state it was in.
    @discardableResult
    public func reset(now: Date = .now) -> State {
        let before = state(now: now)
        failures = 0
        if openedAt != nil {
            openedAt = nil
            onChange(false)
        }
        return before
    }

    public func snapshot(now: Date = .now) -> Snapshot {
        Snapshot(
            name: name, state: state(now: now), consecutiveFailures: failures, openedAt: openedAt,
            retryAt: openedAt.map { $0.addingTimeInterval(openDuration) }
        )
    }
}
