import Hummingbird
import KeelsonServiceKit
import NIOCore

/// A very short-lived cache of successful dashboard reads, keyed by path and query, with request coalescing: many
/// dashboards polling the same view cost the owning service one request per `lifetime`, not one each, and a
/// burst of identical requests waits on a single upstream call. Authentication is still checked on every
/// request (the cache sits behind it), and any admin action empties it, so a change made through the gateway
/// is visible on the next read.
actor ReadCache {
    struct Entry: Sendable {
        var status: Int
        var body: ByteBuffer
        var storedAt: ContinuousClock.Instant
    }

    let lifetime: Duration
    /// Entries kept at most; past it the expired ones go, then everything (reads are cheap to redo).
    static let maxEntries = 1_000
    private var entries: [String: Entry] = [:]
    private var inFlight: [String: Task<Entry, any Error>] = [:]

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    /// The cached answer for `key`, or `fetch`'s (shared with concurrent callers for the same key).
    func answer(for key: String, fetch: @escaping @Sendable () async throws -> Entry) async throws -> Entry {
        let now = ContinuousClock.now
        if let entry = entries[key], now - entry.storedAt < lifetime { return entry }
        if let task = inFlight[key] { return try await task.value }
        let task = Task { try await fetch() }
        inFlight[key] = task
        defer { inFlight[key] = nil }
        let entry = try await task.value
        if (200..<300).contains(entry.status) {
            if entries.count >= Self.maxEntries {
                entries = entries.filter { now - $0.value.storedAt < lifetime }
                if entries.count >= Self.maxEntries { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = entry
        }
        return entry
    }

    func removeAll() {
        entries.removeAll()
    }
}
