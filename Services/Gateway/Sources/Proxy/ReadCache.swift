import Hummingbird
import KeelsonServiceKit
import NIOCore
import Synchronization

/// A very short-lived cache of successful dashboard reads, keyed by path and query, with request coalescing: many
/// dashboards polling the same view cost the owning service one request per `lifetime`, not one each, and a
/// burst of identical requests waits on a single upstream call. Authentication is still checked on every
/// request (the cache sits behind it), and any admin action empties it, so a change made through the gateway
/// is visible on the next read. A lock rather than an actor: a hit is a dictionary lookup on the request's own
/// thread, with no hop.
final class ReadCache: Sendable {
    struct Entry: Sendable {
        var status: Int
        var body: ByteBuffer
        var storedAt: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var inFlight: [String: Task<Entry, any Error>] = [:]
    }

    let lifetime: Duration
    /// Entries kept at most; past it the expired ones go, then everything (reads are cheap to redo).
    static let maxEntries = 1_000
    private let state = Mutex(State())

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    /// The cached answer for `key`, or `fetch`'s (shared with concurrent callers for the same key).
    func answer(for key: String, fetch: @escaping @Sendable () async throws -> Entry) async throws -> Entry {
        let now = ContinuousClock.now
        let lifetime = self.lifetime
        enum Lookup { case hit(Entry), wait(Task<Entry, any Error>) }
        let lookup: Lookup = state.withLock { state in
            if let entry = state.entries[key], now - entry.storedAt < lifetime { return .hit(entry) }
            if let task = state.inFlight[key] { return .wait(task) }
            let task = Task { [weak self] in
                defer { self?.finish(key) }
                let entry = try await fetch()
                self?.store(entry, for: key)
                return entry
            }
            state.inFlight[key] = task
            return .wait(task)
        }
        switch lookup {
        case .hit(let entry): return entry
        case .wait(let task): return try await task.value
        }
    }

    private func store(_ entry: Entry, for key: String) {
        guard (200..<300).contains(entry.status) else { return }
        let now = ContinuousClock.now
        state.withLock { state in
            if state.entries.count >= Self.maxEntries {
                state.entries = state.entries.filter { now - $0.value.storedAt < lifetime }
                if state.entries.count >= Self.maxEntries { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[key] = entry
        }
    }

    private func finish(_ key: String) {
        _ = state.withLock { $0.inFlight.removeValue(forKey: key) }
    }

    func removeAll() {
        state.withLock { $0.entries.removeAll() }
    }
}
