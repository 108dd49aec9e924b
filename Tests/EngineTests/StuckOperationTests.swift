import Foundation
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import Logging
import PostgresNIO
import Testing

@testable import EngineService

/// A query that never answers must not stop trading for good while the lock connection lives on: leader election
/// gives the lock up, the engine stands by without the stuck operation and leads again from the database.
@Suite("Engine: an operation stuck on the database")
struct StuckOperationTests {
    typealias F = EngineFixture

    static func lockHolder(_ postgres: PostgresClient) async throws -> Int32? {
        let rows = try await postgres.query(
            """
            SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid::int8 = \(Int64(EngineLeaderLock.classID)) AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, logger: TestDatabase.logger)
        for try await pid in rows.decode(Int32.self) { return pid }
        return nil
    }

    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date.now.addingTimeInterval(seconds)
        while Date.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test("a signal's write blocked past the operation limit: the lock is given up and taken again, and the signal is decided once")
    func stuckWriteGivesTheLockUp() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let settings = F.settings(poll: .milliseconds(100))
            let logger = Logger(label: "stuck-operation-test")
            let engine = TradingEngine(
                settings: settings, store: PostgresTradingRepository(client: postgres, logger: logger),
                candleStore: PostgresCandleStore(client: postgres, logger: logger),
                broker: PaperBroker(model: settings.execution, rules: { settings.rules(for: $0) }),
                metrics: EngineMetrics(ServiceMetrics(service: .engine)), startOptions: EngineStartOptions(mode: .paper), logger: logger,
                crashPoint: nil, standByWait: .milliseconds(300))
            let election = LeaderElection(
                database: url, mode: .paper, pollInterval: .milliseconds(100), engine: engine, logger: logger, operationLimit: .seconds(1))
            let electing = Task { try await election.run() }
            defer { electing.cancel() }
            #expect(try await Self.eventually(20) { await engine.status.ready })
            let firstHolder = try await Self.lockHolder(postgres)

            // Another session holds the table the decision is written to: the engine's write waits for it.
            let blocker = try await url.connect(logger: logger)
            try await blocker.query("BEGIN", logger: logger)
            try await blocker.query("LOCK TABLE engine_signal_log IN EXCLUSIVE MODE", logger: logger)
            let signal = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
            let stuck = Task { try await engine.handle(signalIDs: [signal]) }

            let retaken = try await Self.eventually(20) {
                let holder = try await Self.lockHolder(postgres)
                return holder != nil && holder != firstHolder
            }
            #expect(retaken, "the lock was not given up and taken again while the write was blocked")
            try await blocker.query("COMMIT", logger: logger)
            try await blocker.close()

            // Decided once: by the new leadership's catch-up or the old operation, never both (the fence refuses
            // the deposed one).
            #expect(try await Self.eventually(20) { try await F.count("engine_signal_log", postgres: postgres) == 1 })
            #expect(try await F.count("orders", postgres: postgres) == 1)
            #expect(
                try await Self.eventually(20) {
                    let status = await engine.status; return status.ready && status.role == .leader
                })
            _ = await stuck.result
            electing.cancel()
            _ = await electing.result
        }
    }
}
