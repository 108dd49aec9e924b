import KeelsonPersistence
import KeelsonTestSupport
import Testing

@Suite struct SchemaVerifierTests {
    @Test func passesOnAMigratedDatabase() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            let checks = try await SchemaVerifier(client: client, logger: TestDatabase.logger).run()
            #expect(checks.allSatisfy { $0.passed }, Comment(rawValue: String(describing: checks.filter { !$0.passed })))
            #expect(checks.count == MigrationCatalog.expectedTables.count + 2)
        }
    }

    @Test func failsOnAnEmptyDatabaseNamingWhatIsMissing() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.withClient(url) { client in
                let checks = try await SchemaVerifier(client: client, logger: TestDatabase.logger).run()
                let failed = checks.filter { !$0.passed }.map(\.summary)
                #expect(failed.contains { $0.contains("none applied") })
                #expect(failed.contains("table candles is missing"))
            }
        }
    }
}
