import KeelsonPersistence
import KeelsonTestSupport
import PostgresNIO
import Testing

@Suite("keelson db query runs reads only")
struct ReadOnlyQueryTests {
    @Test func rendersEveryTypeAsText() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            let result = try await ReadOnlyQuery(
                sql: "SELECT 1 AS n, 12.50::numeric AS price, NULL::text AS nothing, 'a;b' AS s, true AS flag", limit: 10
            ).run(on: client)
            #expect(result.columns == ["n", "price", "nothing", "s", "flag"])
            #expect(result.rows == [["1", "12.50", nil, "a;b", "true"]])
            #expect(!result.truncated)
        }
    }

    @Test func truncatesAtTheLimit() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            let result = try await ReadOnlyQuery(sql: "SELECT generate_series(1, 10) AS i", limit: 3).run(on: client)
            #expect(result.rows.count == 3)
            #expect(result.truncated)
        }
    }

    @Test(arguments: ["DELETE FROM candles", "SELECT 1; DROP TABLE candles", "", "UPDATE signals SET strength = 0"])
    func refusesWritesAndMultipleStatements(sql: String) {
        #expect(throws: ReadOnlyQuery.Rejected.self) { try ReadOnlyQuery(sql: sql, limit: 10) }
    }

    @Test func aWriteHiddenInAFunctionFailsInTheReadOnlyTransaction() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            try await client.query("CREATE TABLE scratch (id int)")
            try await client.query("CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql AS 'INSERT INTO scratch VALUES (1) RETURNING id'")
            await #expect(throws: (any Error).self) {
                try await ReadOnlyQuery(sql: "SELECT sneaky()", limit: 10).run(on: client)
            }
            let count = try await client.query("SELECT count(*)::int FROM scratch").collect().first?.decode(Int.self)
            #expect(count == 0)
        }
    }
}
