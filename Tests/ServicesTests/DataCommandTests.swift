import Foundation
import KeelsonPersistence
import KeelsonTestSupport
import PostgresNIO
import Testing

@Suite("keelson data")
struct DataCommandTests {
    @Test("synthetic writes a file that import stores once; importing again changes nothing")
    func syntheticThenImport() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("synthetic-\(UUID().uuidString).csv").path
        let written = try await ChildProcess.run(
            "keelson",
            ["data", "synthetic", "--symbol", "ETHUSDT", "--from", "2024-03-01", "--to", "2024-03-01T02:00:00Z", "--seed", "5", "--out", file])
        #expect(written.exitCode == 0, Comment(rawValue: written.stderr))
        #expect(written.stdout.contains("wrote 120 1m candles of ETHUSDT (seed 5)"))
        try await TestDatabase.withMigratedDatabase { url, client in
            let env = ["DATABASE_URL": url.connectionString]
            let first = try await ChildProcess.run("keelson", ["data", "import", file, "--symbol", "ETHUSDT", "--interval", "1m"], environment: env)
            #expect(first.exitCode == 0, Comment(rawValue: first.stderr))
            #expect(first.stdout.contains("imported 120 1m candles of ETHUSDT") && first.stdout.contains("(120 new or changed)"))
            let second = try await ChildProcess.run("keelson", ["data", "import", file, "--symbol", "ETHUSDT", "--interval", "1m"], environment: env)
            #expect(second.stdout.contains("(0 new or changed)"))
            let count = try await client.query("SELECT count(*)::int FROM candles WHERE symbol = 'ETHUSDT'").collect().first?.decode(Int.self)
            #expect(count == 120)

            let backfill = try await ChildProcess.run(
                "keelson", ["data", "backfill", "--symbols", "BTCUSDT,ETHUSDT", "--from", "2024-03-02", "--to", "2024-03-02T01:00:00Z"],
                environment: env)
            #expect(backfill.exitCode == 0, Comment(rawValue: backfill.stderr))
            #expect(backfill.stdout.contains("backfilled 120 1m candles of BTCUSDT, ETHUSDT from synthetic"))
        }
    }

    @Test(
        "bad input: one line and a non-zero exit",
        arguments: [
            (["data", "import", "/no/such.csv", "--symbol", "BTCUSDT", "--interval", "1m"], "keelson: /no/such.csv: cannot be read"),
            (["data", "backfill", "--symbols", "btc", "--from", "2024-01-01", "--to", "2024-01-02"], "keelson: symbol 'btc' is not valid"),
            (
                ["data", "backfill", "--symbols", "BTCUSDT", "--interval", "2m", "--from", "2024-01-01", "--to", "2024-01-02"],
                "keelson: interval '2m' is not valid"
            ),
            (["data", "backfill", "--symbols", "BTCUSDT", "--from", "2024-01-02", "--to", "2024-01-01"], "keelson: --from must be before --to"),
            (["data", "test-provider", "kraken", "BTCUSDT", "1m"], "keelson: unknown provider 'kraken'"),
        ])
    func badInput(arguments: [String], expected: String) async throws {
        let result = try await ChildProcess.run("keelson", arguments, environment: ["DATABASE_URL": try TestDatabase.serverURL().connectionString])
        #expect(result.exitCode == 2)
        #expect(result.stderr.hasPrefix(expected), Comment(rawValue: result.stderr))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func testProviderPrintsRecentCandles() async throws {
        let result = try await ChildProcess.run("keelson", ["data", "test-provider", "synthetic", "BTCUSDT", "1m", "--count", "3"])
        #expect(result.exitCode == 0)
        #expect(result.stdout.contains("✔ synthetic answered with 3 closed 1m candles of BTCUSDT"))
    }
}
