import Foundation
import KeelsonContracts
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import PostgresNIO
import Testing

/// keelson-signals SIGKILLed at random moments while candles are pushed to it, restarted each time, the batch it
/// did not answer pushed again (as the collector's publisher does): the signals stored are exactly those of an
/// uninterrupted run, none lost, none twice (docs/RELIABILITY.md, "Random kill -9").
@Suite("Chaos: the signal service killed at random", .timeLimit(.minutes(30)))
struct SignalsKillTests {
    static func strategiesFile() throws -> String {
        let json = """
            {"strategies": [
              {"id": "goog_sma", "strategy": "sma_crossover", "symbols": ["GOOG"], "interval": "1d", "parameters": {"fast": 10, "slow": 30}},
              {"id": "goog_macd", "strategy": "macd_trend", "symbols": ["GOOG"], "interval": "1d"}
            ]}
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-kill-strategies-\(getpid()).json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("killed while it decides: after the restarts every signal of the uninterrupted run is stored once")
    func killedWhileDeciding() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = UInt64(environment["KEELSON_KILL_TEST_SEED"] ?? "") ?? 20_261_206
        let killCount = Int(environment["KEELSON_KILL_TEST_KILLS"] ?? "") ?? 8
        let candles = try SharedReferenceData.googCandles(exchange: "replay")
        let batchSize = 20
        let batches = stride(from: 0, to: candles.count, by: batchSize).map { Array(candles[$0..<min($0 + batchSize, candles.count)]) }
        let processEnvironment = [
            "KEELSON_STRATEGIES_FILE": try Self.strategiesFile(), "KEELSON_ENGINE_URL": "http://127.0.0.1:9",
        ]
        let expected = try await TestDatabase.withMigratedDatabase { url, postgres in
            let service = try await ServiceProcess.start(.signals, database: url, environment: processEnvironment)
            try await service.waitUntilReady()
            for batch in batches { try await Self.deliver(batch, to: service, postgres: postgres) }
            try await service.stop()
            return try await Self.storedSignals(postgres)
        }
        #expect(expected.count > 20, "GOOG must give the strategies signals for the test to mean anything")
        try await TestDatabase.withMigratedDatabase { url, postgres in
            var kills = RandomKills(seed: seed, kills: killCount, chance: min(0.9, Double(killCount) * 1.5 / Double(batches.count)))
            var service = try await ServiceProcess.start(.signals, database: url, environment: processEnvironment)
            try await service.waitUntilReady()
            var restarts = 0
            for batch in batches {
                while true {
                    kills.maybeKill(service.child)
                    if (try? await Self.deliver(batch, to: service, postgres: postgres)) != nil { break }
                    // Not answered: the process died (or is dying) under the request. Start another and push again.
                    _ = try? await service.child.wait(timeout: .seconds(10))
                    service = try await ServiceProcess.start(.signals, database: url, environment: processEnvironment)
                    try await service.waitUntilReady()
                    restarts += 1
                }
            }
            try? await service.stop()
            let stored = try await Self.storedSignals(postgres)
            #expect(stored == expected, "\(stored.count) signals after \(restarts) restarts, \(expected.count) uninterrupted")
            print("signal service kills (seed \(seed)): \(kills.scheduled) kills scheduled, \(restarts) restarts; \(stored.count) signals")
        }
    }

    /// Stores the batch (as the collector does before it pushes) and posts it; throws when it is not answered 200.
    static func deliver(_ batch: [Candle], to service: ServiceProcess, postgres: PostgresClient) async throws {
        try await PostgresCandleStore(client: postgres, logger: TestDatabase.logger).upsert(batch)
        let body = String(decoding: try JSONCoding.encoder.encode(CandleBatch(candles: batch)), as: UTF8.self)
        let reply = try await service.post(InternalRoute.candles.path, json: body, timeout: .seconds(5))
        guard reply.status == 200 else { throw TestSetupError("POST candles: \(reply.status) \(reply.body)") }
    }

    /// Every stored signal as one line, in order; a signal stored twice shows as two equal lines.
    static func storedSignals(_ postgres: PostgresClient) async throws -> [String] {
        var lines: [String] = []
        for try await (strategy, side, barTime, reason) in try await postgres.query(
            "SELECT strategy, side, bar_time, reason FROM signals ORDER BY bar_time, strategy, side, id", logger: TestDatabase.logger
        ).decode((String, String, Date, String).self) {
            lines.append("\(strategy) \(side) \(barTime.formatted(.iso8601)) \(reason)")
        }
        return lines
    }
}
