import Foundation
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import PostgresNIO
import Testing

/// keelson-marketdata SIGKILLed at random moments while it stores a replay, restarted each time: the store ends with
/// every candle of the files exactly once, with the files' values (docs/RELIABILITY.md, "Random kill -9").
@Suite("Chaos: the collector killed at random", .timeLimit(.minutes(30)))
struct CollectorKillTests {
    static let files = ["BTCUSDT": "data/sample/BTCUSDT-1m.csv", "ETHUSDT": "data/sample/ETHUSDT-1m.csv"]

    static func start(_ url: DatabaseURL) async throws -> ServiceProcess {
        try await ServiceProcess.start(
            .marketdata, database: url,
            environment: [
                "KEELSON_REPLAY_SPEED": "max", "KEELSON_CANDLE_SUBSCRIBERS": "none",
                "KEELSON_REPLAY_FILES": files.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ","),
            ])
    }

    static func storedCount(_ postgres: PostgresClient) async throws -> Int {
        let rows = try await postgres.query("SELECT count(*)::int FROM candles", logger: TestDatabase.logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    @Test("killed while it stores a replay: after the restarts every candle of the files is stored once, with the file's values")
    func killedDuringReplay() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = UInt64(environment["KEELSON_KILL_TEST_SEED"] ?? "") ?? 20_261_206
        let killCount = Int(environment["KEELSON_KILL_TEST_KILLS"] ?? "") ?? 8
        let expected = try Self.files.mapValues { try CandleCSV.load(path: ServiceProcess.packageRoot.appendingPathComponent($0).path) }
        let total = expected.values.map(\.count).reduce(0, +)
        var random = SplitMix64(seed: seed)
        // Kill when the store holds a random share of the candles: in order, so each restart has something left to
        // do, and some at once after a start (a kill during start-up and resume).
        let targets = (0..<killCount).map { _ in Int(Double.random(in: 0..<0.95, using: &random) * Double(total)) }.sorted()
        try await TestDatabase.withMigratedDatabase { url, postgres in
            var killsLanded = 0
            var storedAtKill: [Int] = []
            for target in targets {
                let collector = try await Self.start(url)
                while try await Self.storedCount(postgres) < target, collector.child.isRunning {
                    try await Task.sleep(for: .milliseconds(2))
                }
                collector.child.signal(SIGKILL)
                _ = try? await collector.child.wait(timeout: .seconds(10))
                killsLanded += 1
                storedAtKill.append(try await Self.storedCount(postgres))
            }
            let last = try await Self.start(url)
            let deadline = ContinuousClock.now + .seconds(120)
            while try await Self.storedCount(postgres) < total, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            try await last.waitUntilReady()
            #expect(try await Self.storedCount(postgres) == total, "\(total) candles in the files")
            for (symbol, rows) in expected {
                var stored: [(Date, Decimal, Decimal, Decimal, Decimal, Decimal)] = []
                for try await row in try await postgres.query(
                    "SELECT open_time, open, high, low, close, volume FROM candles WHERE symbol = \(symbol) ORDER BY open_time",
                    logger: TestDatabase.logger
                ).decode((Date, Decimal, Decimal, Decimal, Decimal, Decimal).self) {
                    stored.append(row)
                }
                #expect(stored.count == rows.count, "\(symbol): \(stored.count) stored, \(rows.count) in the file")
                let mismatches = zip(stored, rows).filter { candle, row in
                    candle.0 != row.time || candle.1 != row.open || candle.2 != row.high || candle.3 != row.low || candle.4 != row.close
                        || candle.5 != row.volume
                }
                #expect(
                    mismatches.isEmpty,
                    "\(symbol): \(mismatches.count) candles differ from the file, first at \(mismatches.first.map { "\($0.0.0)" } ?? "")")
            }
            try await last.stop()
            let landed = storedAtKill.map(String.init).joined(separator: ", ")
            print("collector kills (seed \(seed)): \(killsLanded) kills at \(landed) of \(total) candles stored")
        }
    }
}
