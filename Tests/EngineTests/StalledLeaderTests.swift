import Foundation
import KeelsonPersistence
import KeelsonTestSupport
import PostgresNIO
import Testing

/// A leader engine frozen with SIGSTOP — a stalled VM, a debugger, a long GC-like pause — past every heartbeat. Its
/// lock lives as long as its connection, so while the connection lives no standby trades; once the database ends the
/// connection (a keepalive timeout, an operator, a proxy) a standby takes over, and the frozen leader, resumed with
/// stale memory, is refused by the fence at its first write and stands by.
@Suite("Engine: a leader frozen with SIGSTOP")
struct StalledLeaderTests {
    typealias F = EngineFixture

    /// Two engine processes on a fresh database, the first leading; the invariants are checked and both stopped after.
    static func withLeaderAndStandby(_ body: (EngineProcess, EngineProcess, PostgresClient) async throws -> Void) async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let leader = try await EngineProcess.start(database: url)
            #expect(await leader.waitUntilReady())
            let standby = try await EngineProcess.start(database: url)
            #expect(await standby.waitUntilServing())
            try await body(leader, standby, postgres)
            try await CrashRecoveryTests.invariants(postgres)
            try await standby.stop()
            try await leader.stop()
        }
    }

    static func waitForRole(_ role: String, _ engine: EngineProcess) async throws -> Bool {
        for _ in 0..<200 {
            if try await engine.request("/health").body.contains(#""role":"\#(role)""#) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test("frozen past its heartbeat, the leader keeps the lock: the standby does not trade; resumed, the leader decides what came meanwhile, once")
    func frozenKeepsTheLock() async throws {
        try await Self.withLeaderAndStandby { leader, standby, postgres in

            leader.child.signal(SIGSTOP)
            let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
            // Ten of the standby's lock attempts (200 ms apart) and the leader's 2 s answer limit pass.
            try await Task.sleep(for: .seconds(3))
            #expect(try await standby.postSignals([buy]).status == 503, "the standby refuses: the frozen leader holds the lock")
            #expect(try await standby.request("/ready").body.contains("another engine instance holds the leader lock"))
            #expect(try await F.count("orders", postgres: postgres) == 0)

            leader.child.signal(SIGCONT)
            var orders = 0
            for _ in 0..<200 where orders == 0 {
                try await Task.sleep(for: .milliseconds(50))
                orders = try await F.count("orders", postgres: postgres)
            }
            #expect(orders == 1, "the resumed leader's catch-up decided the signal")
            #expect(try await leader.request("/health").body.contains(#""role":"leader""#))
            #expect(try await standby.request("/health").body.contains(#""role":"standby""#))
        }
    }

    @Test("the database ends the frozen leader's connection: the standby takes over, and the resumed leader writes nothing with its stale state")
    func deposedWhileFrozen() async throws {
        try await Self.withLeaderAndStandby { leader, standby, postgres in
            let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
            // The push races the leader's catch-up poll (200 ms); either decides it, once.
            let decided = try await leader.postSignals([buy]).body
            #expect(decided.contains(#""outcome":"ordered""#) || decided.contains(#""outcome":"duplicate""#), Comment(rawValue: decided))
            #expect(try await F.count("orders", postgres: postgres) == 1)

            leader.child.signal(SIGSTOP)
            // pg_locks is the whole cluster's: this test's database only (other tests run beside it).
            let lock = """
                SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::int = \(EngineLeaderLock.classID)
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """
            let frozenBackend = try await F.value(PostgresQuery(unsafeSQL: lock), as: Int32.self, postgres: postgres)
            #expect(try await F.value("SELECT pg_terminate_backend(\(frozenBackend))", as: Bool.self, postgres: postgres))
            #expect(await standby.waitUntilReady(timeout: .seconds(20)), Comment(rawValue: standby.child.output().stdout))
            #expect(try await standby.postCandles([F.bar(20, "100", "101", "99", "100")]).body.contains(#""fills":1"#))

            // Resumed, the old leader still holds the working order in memory; the same bar must not fill it again.
            leader.child.signal(SIGCONT)
            let stale = try await leader.postCandles([F.bar(20, "100", "101", "99", "100")])
            #expect(stale.status != 200 || !stale.body.contains(#""fills":1"#), Comment(rawValue: stale.body))
            #expect(try await Self.waitForRole("standby", leader), "the resumed leader stands by")
            #expect(try await F.count("fills", postgres: postgres) == 1)
            #expect(try await F.count("orders", postgres: postgres) == 1)
            #expect(try await standby.request("/health").body.contains(#""role":"leader""#))
        }
    }
}
