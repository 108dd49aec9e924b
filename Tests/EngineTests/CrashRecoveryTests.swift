import Foundation
import KeelsonDomain
import KeelsonTestSupport
import PostgresNIO
import Testing

/// The engine killed with SIGKILL at the worst moments, then restarted: nothing lost, nothing doubled.
@Suite("Engine: kill -9 and restart")
struct CrashRecoveryTests {
    typealias F = EngineFixture

    static func invariants(_ postgres: PostgresClient) async throws {
        // Every position equals the sum of its fills; cash equals initial cash + realised PnL − fees − cost of
        // what is still held.
        let rows = try await postgres.query(
            """
            SELECT coalesce(sum(CASE side WHEN 'buy' THEN quantity ELSE -quantity END), 0),
                   coalesce(sum(CASE side WHEN 'buy' THEN -quantity * price ELSE quantity * price END) - sum(fee), 0)
            FROM fills
            """
        ).collect()
        let (held, cashFlow) = try rows[0].decode((Decimal, Decimal).self)
        let position = try await F.value("SELECT coalesce(sum(quantity), 0) FROM positions", as: Decimal.self, postgres: postgres)
        #expect(position == held)
        let cash = try await F.value("SELECT cash FROM account_balances ORDER BY id DESC LIMIT 1", as: Decimal.self, postgres: postgres)
        #expect(cash == 10_000 + cashFlow)
        let duplicates = try await F.value(
            "SELECT count(*)::int FROM (SELECT signal_id FROM orders WHERE signal_id IS NOT NULL GROUP BY signal_id HAVING count(*) > 1) d",
            as: Int.self, postgres: postgres)
        #expect(duplicates == 0)
    }

    @Test("killed between writing an order and its fill, and after a fill: no lost fill, no duplicate order")
    func killNineTwice() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)

            // 1. Dies right after the order row is committed, before the broker hears of it.
            let first = try await EngineProcess.start(database: url, crashAt: "after-order-written")
            #expect(await first.waitUntilReady(), Comment(rawValue: first.child.output().stdout))
            let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
            _ = try? await first.postSignals([buy])
            let died = try await first.child.wait(timeout: .seconds(20))
            #expect(died.exitCode == SIGKILL, Comment(rawValue: died.stderr))
            // The paper broker's acceptance is the row itself, so the order is already `submitted`.
            #expect(try await F.value("SELECT status FROM orders", as: String.self, postgres: postgres) == "submitted")
            #expect(try await F.count("fills", postgres: postgres) == 0)

            let second = try await EngineProcess.start(database: url, crashAt: "after-fill-recorded")
            #expect(await second.waitUntilReady(), Comment(rawValue: second.child.output().stdout))
            // Recovery gave the paper broker the order again under its client order id; the signal is not decided again.
            #expect(try await F.value("SELECT status FROM orders", as: String.self, postgres: postgres) == "submitted")
            #expect(try await F.count("order_events", postgres: postgres) == 2)
            let repeated = try await second.postSignals([buy])
            #expect(repeated.body.contains(#""outcome":"duplicate""#), Comment(rawValue: repeated.body))

            // 2. Dies right after the fill's transaction commits.
            _ = try? await second.postCandles([F.bar(20, "100", "101", "99", "100")])
            let diedAgain = try await second.child.wait(timeout: .seconds(20))
            #expect(diedAgain.exitCode == SIGKILL)
            #expect(try await F.count("fills", postgres: postgres) == 1)
            #expect(try await F.value("SELECT status FROM orders", as: String.self, postgres: postgres) == "filled")

            let third = try await EngineProcess.start(database: url)
            #expect(await third.waitUntilReady(), Comment(rawValue: third.child.output().stdout))
            // The same bar again (a re-push) and the next one: the filled order never fills twice.
            _ = try await third.postCandles([F.bar(20, "100", "101", "99", "100"), F.bar(21, "100", "101", "99", "100")])
            #expect(try await F.count("fills", postgres: postgres) == 1)
            #expect(try await F.count("orders", postgres: postgres) == 1)
            #expect(try await F.value("SELECT quantity FROM positions", as: Decimal.self, postgres: postgres) == 25)
            try await Self.invariants(postgres)

            // Close the round trip through the restarted engine; cash = initial + the trade's net PnL.
            let sell = try await F.insertSignal(.sell, bar: 21, postgres: postgres)
            // The push races the catch-up poll (200 ms here); either decides it, once.
            let decided = try await third.postSignals([sell]).body
            #expect(decided.contains(#""outcome":"ordered""#) || decided.contains(#""outcome":"duplicate""#), Comment(rawValue: decided))
            #expect(try await F.value("SELECT count(*)::int FROM orders WHERE signal_id = \(sell)", as: Int.self, postgres: postgres) == 1)
            _ = try await third.postCandles([F.bar(22, "102", "103", "101", "102")])
            let pnl = try await F.value("SELECT pnl FROM trades", as: Decimal.self, postgres: postgres)
            let cash = try await F.value("SELECT cash FROM account_balances ORDER BY id DESC LIMIT 1", as: Decimal.self, postgres: postgres)
            #expect(cash == 10_000 + pnl)
            try await Self.invariants(postgres)
            try await third.stop()
        }
    }

    @Test("two engines on one database: exactly one trades; the standby takes over when the leader is killed")
    func leaderAndStandby() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let leader = try await EngineProcess.start(database: url)
            #expect(await leader.waitUntilReady())
            let standby = try await EngineProcess.start(database: url)
            #expect(await standby.waitUntilServing())
            try await Task.sleep(for: .milliseconds(500))

            let standbyReady = try await standby.request("/ready")
            #expect(standbyReady.status == 503)
            #expect(standbyReady.body.contains("another engine instance holds the leader lock"), Comment(rawValue: standbyReady.body))
            #expect(try await standby.request("/health").body.contains(#""role":"standby""#))
            #expect(try await leader.request("/health").body.contains(#""role":"leader""#))

            // A signal sent to the standby is refused; the leader picks it up from the signals table.
            let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
            let refused = try await standby.postSignals([buy])
            #expect(refused.status == 503)
            // A standby refusing work is expected: logged as a notice with the reason, never as an error.
            let standbyLog = standby.child.output().stdout
            #expect(standbyLog.contains("request refused while unavailable"), Comment(rawValue: standbyLog))
            #expect(!standbyLog.contains(#""level":"error""#), Comment(rawValue: standbyLog))
            var orders = 0
            for _ in 0..<100 where orders == 0 {
                try await Task.sleep(for: .milliseconds(50))
                orders = try await F.count("orders", postgres: postgres)
            }
            #expect(orders == 1)

            leader.child.signal(SIGKILL)
            _ = try await leader.child.wait(timeout: .seconds(10))
            let killedAt = ContinuousClock.now
            #expect(await standby.waitUntilReady(timeout: .seconds(20)), Comment(rawValue: standby.child.output().stdout))
            let takeover = ContinuousClock.now - killedAt
            print("standby took over \(takeover) after the leader was killed")
            #expect(try await standby.request("/health").body.contains(#""role":"leader""#))

            // The new leader recovered the working entry: a second buy is refused, the next bar fills the first.
            let second = try await F.insertSignal(.buy, bar: 19, strategy: "other", postgres: postgres)
            _ = try await standby.postSignals([second])  // or the catch-up poll decides it first; either way, once
            let reason = try await F.value("SELECT reason FROM engine_signal_log WHERE signal_id = \(second)", as: String.self, postgres: postgres)
            #expect(reason.contains("is still working"), Comment(rawValue: reason))
            #expect(try await standby.postCandles([F.bar(20, "100", "101", "99", "100")]).body.contains(#""fills":1"#))
            #expect(try await F.count("orders", postgres: postgres) == 1)
            #expect(try await F.count("fills", postgres: postgres) == 1)
            try await CrashRecoveryTests.invariants(postgres)
            try await standby.stop()
        }
    }

    @Test("the database drops the leader's lock connection: it stops trading at once, takes the lock again, and still stops on SIGTERM")
    func lockConnectionLost() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            let engine = try await EngineProcess.start(database: url)
            #expect(await engine.waitUntilReady())
            let terminated = try await F.value(
                """
                SELECT count(pg_terminate_backend(pid))::int FROM pg_locks
                WHERE locktype = 'advisory' AND classid::int8 = 7355 AND granted
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """, as: Int.self, postgres: postgres
            )
            #expect(terminated == 1)
            var log = ""
            for _ in 0..<400 where log.components(separatedBy: "took the leader lock").count - 1 < 2 {
                try await Task.sleep(for: .milliseconds(50))
                log = engine.child.output().stdout
            }
            #expect(await engine.waitUntilReady(timeout: .seconds(20)), Comment(rawValue: log))
            #expect(log.contains("leader lock connection failed"), Comment(rawValue: log))
            #expect(log.components(separatedBy: "took the leader lock").count - 1 == 2)
            try await engine.stop()
            #expect(engine.child.process.terminationStatus == 0)
        }
    }
}
