import Logging
import PostgresNIO

/// Checks that a database holds the schema this binary expects: every migration applied with a matching
/// checksum and every table present. Used by `keelson db verify` and by deployment checks.
public struct SchemaVerifier: Sendable {
    public struct Check: Sendable, Equatable {
        public var passed: Bool
        public var summary: String
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func run() async throws -> [Check] {
        var checks: [Check] = []
        let runner = MigrationRunner(client: client, logger: logger)
        let applied = try await runner.applied()
        let latest = MigrationCatalog.latestVersion
        let current = applied.last?.version ?? 0
        if applied.isEmpty {
            checks.append(Check(passed: false, summary: "schema version: none applied (expected \(latest)); run `keelson db migrate up`"))
        } else if current < latest {
            checks.append(Check(passed: false, summary: "schema version: \(current) of \(latest); run `keelson db migrate up`"))
        } else if current > latest {
            checks.append(Check(passed: false, summary: "schema version: \(current), newer than this binary knows (\(latest)); upgrade the CLI"))
        } else {
            checks.append(Check(passed: true, summary: "schema version: \(current) (latest)"))
        }
        let known = Dictionary(uniqueKeysWithValues: MigrationCatalog.all.map { ($0.version, $0) })
        let tampered = applied.filter { record in known[record.version].map { $0.checksum != record.checksum } ?? false }
        if !applied.isEmpty {
            checks.append(
                Check(
                    passed: tampered.isEmpty,
                    summary: tampered.isEmpty
                        ? "migration checksums: \(applied.count) match"
                        : "migration checksums: \(tampered.map { "\($0.version) (\($0.name))" }.joined(separator: ", ")) changed after being applied"
                ))
        }
        let rows = try await client.query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()", logger: logger
        )
        var present = Set<String>()
        for try await name in rows.decode(String.self) { present.insert(name) }
        for table in MigrationCatalog.expectedTables {
            checks.append(Check(passed: present.contains(table), summary: "table \(table)" + (present.contains(table) ? "" : " is missing")))
        }
        return checks
    }
}
