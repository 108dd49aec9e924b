import KeelsonPersistence
import KeelsonTestSupport
import PostgresNIO
import Testing

@Suite("Migrations on a real PostgreSQL")
struct MigrationRunnerTests {
    let logger = TestDatabase.logger

    func tables(_ client: PostgresClient) async throws -> Set<String> {
        var names = Set<String>()
        let rows = try await client.query("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'")
        for try await name in rows.decode(String.self) { names.insert(name) }
        return names
    }

    @Test("up from empty, down to zero, up again")
    func upDownUp() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.withClient(url) { client in
                let runner = MigrationRunner(client: client, logger: logger)
                let value1 = try await runner.currentVersion()
                #expect(value1 == 0)

                let applied = try await runner.migrateUp()
                #expect(applied.map(\.version) == MigrationCatalog.all.map(\.version))
                let value2 = try await runner.currentVersion()
                #expect(value2 == MigrationCatalog.latestVersion)
                let value3 = try await tables(client)
                #expect(value3.isSuperset(of: MigrationCatalog.expectedTables))

                let reverted = try await runner.migrateDown(to: 0)
                #expect(reverted.map(\.version) == MigrationCatalog.all.map(\.version).reversed())
                let value4 = try await runner.currentVersion()
                #expect(value4 == 0)
                let value5 = try await tables(client)
                #expect(value5 == ["schema_migrations"])

                try await runner.migrateUp()
                let value6 = try await runner.currentVersion()
                #expect(value6 == MigrationCatalog.latestVersion)
                let value7 = try await tables(client)
                #expect(value7.isSuperset(of: MigrationCatalog.expectedTables))
            }
        }
    }

    @Test("applying twice changes nothing")
    func idempotent() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.withClient(url) { client in
                let runner = MigrationRunner(client: client, logger: logger)
                try await runner.migrateUp()
                let before = try await runner.applied()
                let second = try await runner.migrateUp()
                #expect(second.isEmpty)
                let value8 = try await runner.applied()
                #expect(value8 == before)
            }
        }
    }

    @Test("up and down to an intermediate version, and dry runs change nothing")
    func partialAndDryRun() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.withClient(url) { client in
                let runner = MigrationRunner(client: client, logger: logger)
                let planned = try await runner.migrateUp(to: 2, dryRun: true)
                #expect(planned.map(\.version) == [1, 2])
                let value9 = try await runner.currentVersion()
                #expect(value9 == 0)

                try await runner.migrateUp(to: 2)
                let value10 = try await runner.applied().map(\.version)
                #expect(value10 == [1, 2])
                let absent = try await tables(client)
                #expect(!absent.contains("audit_log"))

                try await runner.migrateUp()
                let wouldRevert = try await runner.migrateDown(to: 1, dryRun: true)
                #expect(wouldRevert.map(\.version) == Array((2...MigrationCatalog.latestVersion).reversed()))
                let value11 = try await runner.currentVersion()
                #expect(value11 == MigrationCatalog.latestVersion)
                try await runner.migrateDown(to: 1)
                let value12 = try await runner.applied().map(\.version)
                #expect(value12 == [1])
            }
        }
    }

    @Test("a tampered checksum is refused, and nothing is applied")
    func tamperedChecksum() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.withClient(url) { client in
                let runner = MigrationRunner(client: client, logger: logger)
                try await runner.migrateUp(to: 1)
                try await client.query("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1")
                await #expect(throws: MigrationError.checksumMismatch(version: 1, name: "market_data")) {
                    try await runner.migrateUp()
                }
                let value13 = try await runner.applied().map(\.version)
                #expect(value13 == [1])
                await #expect(throws: MigrationError.checksumMismatch(version: 1, name: "market_data")) {
                    try await runner.migrateDown(to: 0)
                }
            }
        }
    }

    @Test("a database newer than the binary is refused")
    func unknownVersion() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.withClient(url) { client in
                let runner = MigrationRunner(client: client, logger: logger)
                try await runner.migrateUp()
                try await client.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (99, 'future', 'x')")
                await #expect(throws: MigrationError.unknownAppliedVersion(version: 99, latestKnown: MigrationCatalog.latestVersion)) {
                    try await runner.migrateUp()
                }
            }
        }
    }

    @Test("a failing migration rolls back completely")
    func failingMigrationRollsBack() async throws {
        let broken =
            MigrationCatalog.all + [
                Migration(
                    version: MigrationCatalog.latestVersion + 1, name: "broken", up: "CREATE TABLE extra (id int); SELECT no_such_function()",
                    down: "DROP TABLE extra")
            ]
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.withClient(url) { client in
                let runner = MigrationRunner(client: client, migrations: broken, logger: logger)
                await #expect(throws: (any Error).self) { try await runner.migrateUp() }
                let value14 = try await runner.currentVersion()
                #expect(value14 == 0)
                let value15 = try await tables(client)
                #expect(value15.isEmpty)
            }
        }
    }

    @Test("replicas migrating at once apply each migration exactly once")
    func concurrentRunners() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.withClient(url) { client in
                let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            try await MigrationRunner(client: client, logger: logger).migrateUp().map(\.version)
                        }
                    }
                    var all: [Int] = []
                    for try await versions in group { all += versions }
                    return all
                }
                #expect(applied.sorted() == MigrationCatalog.all.map(\.version))
            }
        }
    }

    @Test("an invalid target is refused with the valid range")
    func invalidTarget() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.withClient(url) { client in
                let runner = MigrationRunner(client: client, logger: logger)
                await #expect(throws: MigrationError.invalidTarget(requested: 42, latestKnown: MigrationCatalog.latestVersion)) {
                    try await runner.migrateUp(to: 42)
                }
            }
        }
    }
}
