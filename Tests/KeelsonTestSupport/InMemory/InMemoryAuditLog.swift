import Foundation
import KeelsonPersistence

/// The `audit_log` table in memory: append-only, ids in order, newest first when read.
public actor InMemoryAuditLog: AuditLog {
    public private(set) var recorded: [AuditEntry] = []

    public init() {}

    public func record(_ entry: AuditEntry) async throws {
        var entry = entry
        entry.id = Int64(recorded.count + 1)
        entry.occurredAt = entry.occurredAt ?? .now
        recorded.append(entry)
    }

    public func entries(since: Date?, limit: Int) async throws -> [AuditEntry] {
        Array(recorded.filter { ($0.occurredAt ?? .now) >= (since ?? .distantPast) }.reversed().prefix(limit))
    }
}
