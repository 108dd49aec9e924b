import Foundation
import KeelsonDomain
import KeelsonFoundation
import KeelsonMarketData
import KeelsonPersistence
import Logging
import NIOPosix
import PostgresNIO

/// Backfill throughput into PostgreSQL through the collector's own path (synthetic provider → `CandleStore.upsert`
/// in 50,000-candle chunks, as the collector backfills), beside plain `COPY ... FROM STDIN` of the same rows through psql, in the same run.
enum BackfillBenchmark {
    static let total = 1_000_000
    static let chunkMinutes = 50_000

    static func run(server: DatabaseURL) async throws -> [String] {
        var logger = Logger(label: "keelson-bench")
        logger.logLevel = .error
        return try await ScratchDatabase.with(server: server, label: "backfill", logger: logger) { url in
            try await measure(url: url, logger: logger)
        }
    }

    static func measure(url: DatabaseURL, logger: Logger) async throws -> [String] {
        let client = PostgresClient(configuration: url.clientConfiguration(maximumConnections: 2), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await MigrationRunner(client: client, logger: logger).migrateUp()
            let store = PostgresCandleStore(client: client, logger: logger)
            let provider = SyntheticProvider(seed: 1)
            let symbol = try Symbol(parsing: "BENCH")
            let start = SyntheticBars.epoch
            var storeTime = Duration.zero
            var generateTime = Duration.zero
            var written = 0
            var cursor = start
            while written < total {
                let next = cursor.addingTimeInterval(TimeInterval(min(chunkMinutes, total - written) * 60))
                let generated = ContinuousClock.now
                let candles = try await provider.candles(symbol: symbol, interval: .oneMinute, from: cursor, to: next)
                let stored = ContinuousClock.now
                generateTime += stored - generated
                try await store.upsert(candles)
                storeTime += ContinuousClock.now - stored
                written += candles.count
                cursor = next
            }
            let peakMegabytes = Double(peakResidentBytes()) / 1_048_576
            // The psql comparison needs the rows in a file; building it is not part of the measurement.

            // The same rows, as psql would load them into an identical table with its primary key.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-bench-\(getpid()).csv")
            defer { try? FileManager.default.removeItem(at: file) }
            try await client.query("CREATE TABLE candles_copy (LIKE candles INCLUDING ALL)")
            var lines = ""
            lines.reserveCapacity(total * 110)
            var cursor2 = start
            var exported = 0
            while exported < total {
                let next = cursor2.addingTimeInterval(TimeInterval(min(chunkMinutes, total - exported) * 60))
                for candle in try await provider.candles(symbol: symbol, interval: .oneMinute, from: cursor2, to: next) {
                    lines +=
                        "synthetic,BENCH,1m,\(candle.openTime.formatted(.iso8601)),\(candle.closeTime.formatted(.iso8601)),\(candle.open),\(candle.high),\(candle.low),\(candle.close),\(candle.volume),store\n"
                    exported += 1
                }
                cursor2 = next
            }
            try lines.write(to: file, atomically: true, encoding: .utf8)
            let psqlSeconds = try await timePsqlCopy(url: url, file: file.path)

            let ours = Double(written) / seconds(storeTime)
            let theirs = Double(total) / psqlSeconds
            return [
                "Backfill of \(written) one-minute candles into PostgreSQL (collector path: upsert in \(chunkMinutes)-candle chunks):",
                "  store only:              \(format(ours)) candles/s  (\(String(format: "%.2f", seconds(storeTime))) s)",
                "  with synthetic generation: \(format(Double(written) / seconds(storeTime + generateTime))) candles/s",
                "  psql \\copy of the same rows into an identical table: \(format(theirs)) candles/s  (\(String(format: "%.2f", psqlSeconds)) s)",
                "  ratio (store only / psql COPY): \(String(format: "%.0f", ours / theirs * 100)) %  (target ≥ 50 %)",
                "  peak resident memory of the backfilling process: \(String(format: "%.0f", peakMegabytes)) MB  (target < 150 MB)",
            ]
        }
    }

    static func timePsqlCopy(url: DatabaseURL, file: String) async throws -> Double {
        let psql = ["/usr/bin/psql", "/usr/local/bin/psql"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "psql"
        let command = ProcessCommand(
            URL(fileURLWithPath: psql),
            arguments: [
                url.connectionString, "-q", "-c",
                "\\copy candles_copy (exchange, symbol, \"interval\", open_time, close_time, open, high, low, close, volume, source) FROM '\(file)' WITH (FORMAT csv)",
            ],
            standardOutput: .inherit,
            standardError: .inherit
        )
        let start = ContinuousClock.now
        let output = try await command.run()
        guard output.termination.succeeded else { throw BenchError("psql \\copy failed with status \(output.termination.status)") }
        return seconds(ContinuousClock.now - start)
    }

    static func admin(_ server: DatabaseURL, _ sql: String, logger: Logger) async throws {
        let configuration = PostgresConnection.Configuration(
            host: server.host, port: server.port, username: server.username, password: server.password, database: server.database, tls: .disable)
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: logger)
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        try await connection.close()
    }

    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func format(_ rate: Double) -> String {
        rate >= 1e6 ? String(format: "%.2f million", rate / 1e6) : String(format: "%.0f thousand", rate / 1e3)
    }

    struct BenchError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
