import Foundation
import KeelsonFoundation
import Synchronization

/// What a service process is doing right now — the requests being answered and the phase of each background
/// service — so that a shutdown that takes too long can say what it waits on instead of only that it waits.
public final class RunningWork: Sendable {
    public enum Phase: String, Sendable {
        case running
        case stopping
    }

    private struct State {
        var nextRequest: UInt64 = 0
        var requests: [UInt64: (label: String, since: ContinuousClock.Instant)] = [:]
        var services: [String: (phase: Phase, since: ContinuousClock.Instant)] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Records a request being answered until `requestEnded` is called with the returned number.
    public func requestStarted(_ label: String) -> UInt64 {
        state.withLock { state in
            state.nextRequest += 1
            state.requests[state.nextRequest] = (label, .now)
            return state.nextRequest
        }
    }

    public func requestEnded(_ number: UInt64) {
        _ = state.withLock { $0.requests.removeValue(forKey: number) }
    }

    /// Sets the phase of a background service; nil once it has stopped.
    public func service(_ name: String, _ phase: Phase?) {
        state.withLock { $0.services[name] = phase.map { ($0, .now) } }
    }

    /// One line per unfinished piece of work, oldest first: "POST /internal/v1/candles for 4.2 s",
    /// "LeaderElection stopping for 1.0 s". Empty when nothing runs.
    public var unfinished: [String] {
        let now = ContinuousClock.now
        let (requests, services) = state.withLock { ($0.requests.values.map { $0 }, $0.services.map { ($0.key, $0.value) }) }
        let lines =
            requests.map { (since: $0.since, line: "\($0.label)") }
            + services.map { (since: $0.1.since, line: "\($0.0) \($0.1.phase.rawValue)") }
        return lines.sorted { $0.since < $1.since }.map { "\($0.line) for \(String(format: "%.1f", (now - $0.since).milliseconds / 1000)) s" }
    }
}
