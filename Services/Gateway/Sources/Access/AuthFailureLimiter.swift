import Synchronization

/// Counts failed authentications per source address in a fixed window; past the limit the address is refused
/// with 429 until the window ends, so a key cannot be guessed by brute force and a misconfigured script
/// cannot flood the audit log.
final class AuthFailureLimiter: Sendable {
    private struct Window {
        var start: ContinuousClock.Instant
        var failures: Int
    }

    let limit: Int
    let window: Duration
    /// Addresses remembered at most; older windows are dropped first when it is reached.
    static let maxAddresses = 10_000
    private let windows = Mutex<[String: Window]>([:])

    init(limit: Int, window: Duration) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until `address` may try again; nil when it is not blocked.
    func retryAfter(_ address: String, now: ContinuousClock.Instant = .now) -> Int? {
        windows.withLock { windows in
            guard let entry = windows[address], entry.failures >= limit else { return nil }
            let remaining = entry.start + window - now
            guard remaining > .zero else { return nil }
            return max(1, Int(remaining.components.seconds) + (remaining.components.attoseconds > 0 ? 1 : 0))
        }
    }

    /// Counts a failure; true when this one reached the limit (the moment to say so in the audit log).
    @discardableResult
    func recordFailure(_ address: String, now: ContinuousClock.Instant = .now) -> Bool {
        windows.withLock { windows in
            if windows.count >= Self.maxAddresses {
                windows = windows.filter { now - $0.value.start < window }
            }
            var entry = windows[address].flatMap { now - $0.start < window ? $0 : nil } ?? Window(start: now, failures: 0)
            entry.failures += 1
            windows[address] = entry
            return entry.failures == limit
        }
    }
}
