import Foundation
import KeelsonFoundation
import Logging
import PostgresNIO

/// One row of `audit_log`: who did what, why, and how it ended.
public struct AuditEntry: Sendable, Codable, Equatable {
    public var id: Int64?
    public var occurredAt: Date?
    public var actorKeyID: String?
    public var actorName: String?
    /// e.g. `trading.disable`, `apikey.create`, `auth.failure`.
    public var action: String
    public var reason: String?
    /// `ok`, `unchanged`, `refused`, `failed`, `denied`.
    public var outcome: String
    public var sourceAddress: String?
    public var detail: [String: String]

    public init(
        actorKeyID: String?, actorName: String?, action: String, reason: String?, outcome: String,
        sourceAddress: String?, detail: [String: String] = [:]
    ) {
        self.actorKeyID = actorKeyID
        self.actorName = actorName
        self.action = action
        self.reason = reason
        self.outcome = outcome
        self.sourceAddress = sourceAddress
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case id, action, reason, outcome, detail
        case occurredAt = "occurred_at"
        case actorKeyID = "actor_key_id"
        case actorName = "actor_name"
        case sourceAddress = "source_address"
    }
}

/// The `audit_log` table: append-only.
public protocol AuditLog: Sendable {
    func record(_ entry: AuditEntry) async throws
    /// Newest first.
    func entries(since: Date?, limit: Int) async throws -> [AuditEntry]
}

public struct PostgresAuditLog: AuditLog {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func record(_ entry: AuditEntry) async throws {
        try await client.withOpenConnection { try await Self.record(entry, on: $0, logger: logger) }
    }

    /// Records on a connection, so a change and its audit row commit together.
    public static func record(_ entry: AuditEntry, on connection: PostgresConnection, logger: Logger) async throws {
        let detail = String(decoding: try JSONCoding.encoder.encode(entry.detail), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO audit_log (actor_key_id, actor_name, action, reason, outcome, source_address, detail)
            VALUES (\(entry.actorKeyID), \(entry.actorName), \(entry.action), \(entry.reason), \(entry.outcome), \(entry.sourceAddress), \(detail)::jsonb)
            """, logger: logger
        )
    }

    public func entries(since: Date?, limit: Int) async throws -> [AuditEntry] {
        return try await client.read(
            """
            SELECT id, occurred_at, actor_key_id, actor_name, action, reason, outcome, source_address, detail::text
            FROM audit_log WHERE occurred_at >= \(since ?? .distantPast) ORDER BY occurred_at DESC, id DESC LIMIT \(limit)
            """, logger: logger
        ) { rows in
            var entries: [AuditEntry] = []
            for try await (id, at, keyID, name, action, reason, outcome, source, detail) in rows.decode(
                (Int64, Date, String?, String?, String, String?, String, String?, String).self
            ) {
                var entry = AuditEntry(
                    actorKeyID: keyID, actorName: name, action: action, reason: reason, outcome: outcome, sourceAddress: source,
                    detail: (try? JSONCoding.decoder.decode([String: String].self, from: Data(detail.utf8))) ?? [:]
                )
                entry.id = id
                entry.occurredAt = at
                entries.append(entry)
            }
            return entries
        }
    }
}
