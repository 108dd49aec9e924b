import Foundation
import Logging
import PostgresNIO

/// Applies and reverts the embedded migrations.
///
/// All work happens in one transaction holding a transaction-scoped advisory lock, so replicas that start
/// together apply each migration exactly once and a failed migration leaves nothing half-applied.
public struct MigrationRunner: Sendable {
    public struct AppliedMigration: Sendable, Equatable {
        public let version: Int
        public let name: String
        public let checksum: String
        public let appliedAt: Date
    }

    public enum Direction: String, Sendable { case up, down }

    /// "KEELSON" in ASCII; any fixed key works as long as every process agrees on it.
    static let advisoryLockKey: Int64 = 0x4B_45_45_4C_53_4F_4E

    let client: PostgresClient
    let migrations: [Migration]
    let logger: Logger

    public init(client: PostgresClient, migrations: [Migration] = MigrationCatalog.all, logger: Logger) {
        self.client = client
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// What is recorded in `schema_migrations` (empty if the table does not exist yet).
    public func applied() async throws -> [AppliedMigration] {
        try await client.withOpenConnection { connection in try await applied(on: connection) }
    }

    /// The highest applied version, 0 for an empty database.
    public func currentVersion() async throws -> Int {
        try await applied().last?.version ?? 0
    }

    /// Applies every pending migration up to `target` (default: all). Returns what was (or, for a dry run,
    /// would be) applied.
    @discardableResult
    public func migrateUp(to target: Int? = nil, dryRun: Bool = false) async throws -> [Migration] {
        let target = target ?? latestVersion
        guard target >= 0, target <= latestVersion else {
            throw MigrationError.invalidTarget(requested: target, latestKnown: latestVersion)
        }
        return try await client.transaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.advisoryLockKey))", logger: logger)
            let applied = try await validatedApplied(on: connection)
            let appliedVersions = Set(applied.map(\.version))
            let pending = migrations.filter { !appliedVersions.contains($0.version) && $0.version <= target }
            if dryRun { return pending }
            if !pending.isEmpty { try await createMigrationsTable(on: connection) }
            for migration in pending {
                logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                try await execute(script: migration.up, on: connection)
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))",
                    logger: logger
                )
            }
            return pending
        }
    }

    /// Reverts applied migrations above `target`, newest first. Returns what was (or would be) reverted.
    @discardableResult
    public func migrateDown(to target: Int = 0, dryRun: Bool = false) async throws -> [Migration] {
        guard target >= 0, target <= latestVersion else {
            throw MigrationError.invalidTarget(requested: target, latestKnown: latestVersion)
        }
        return try await client.transaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.advisoryLockKey))", logger: logger)
            let applied = try await validatedApplied(on: connection)
            let appliedVersions = Set(applied.map(\.version))
            let toRevert = migrations.reversed().filter { appliedVersions.contains($0.version) && $0.version > target }
            if dryRun { return toRevert }
            for migration in toRevert {
                logger.info("reverting migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                try await execute(script: migration.down, on: connection)
                try await connection.query("DELETE FROM schema_migrations WHERE version = \(migration.version)", logger: logger)
            }
            return toRevert
        }
    }

    private func execute(script: String, on connection: PostgresConnection) async throws {
        for statement in SQLScript.statements(in: script) {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
    }

    private func createMigrationsTable(on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer     PRIMARY KEY,
                name       text        NOT NULL,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
    }

    private func applied(on connection: PostgresConnection) async throws -> [AppliedMigration] {
        let exists =
            try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
            .collect().first?.decode(Bool.self) ?? false
        guard exists else { return [] }
        var result: [AppliedMigration] = []
        let rows = try await connection.query(
            "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version", logger: logger
        )
        for try await (version, name, checksum, appliedAt) in rows.decode((Int, String, String, Date).self) {
            result.append(AppliedMigration(version: version, name: name, checksum: checksum, appliedAt: appliedAt))
        }
        return result
    }

    /// Refuses to touch a database whose history disagrees with this binary.
    private func validatedApplied(on connection: PostgresConnection) async throws -> [AppliedMigration] {
        let applied = try await applied(on: connection)
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for record in applied {
            guard let migration = known[record.version] else {
                throw MigrationError.unknownAppliedVersion(version: record.version, latestKnown: latestVersion)
            }
            guard migration.checksum == record.checksum else {
                throw MigrationError.checksumMismatch(version: record.version, name: record.name)
            }
        }
        return applied
    }
}
