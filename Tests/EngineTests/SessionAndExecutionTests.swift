import EngineService
import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelsonDomain
import KeelsonServiceKit
import KeelsonTestSupport
import PostgresNIO
import Testing

@Suite("Engine: sessions, partial fills, performance and metrics")
struct SessionAndExecutionTests {
    typealias F = EngineFixture

    @Test("a large order fills over several bars at most a quarter of each bar's volume: partially_filled, then filled")
    func partialFills() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            try await buildEngineApplication(configuration: TestConfiguration.service(.engine, database: url), settings: F.settings()).test(.router) {
                client in
                try await client.waitUntilReady()
                _ = try await F.postSignals([try await F.insertSignal(.buy, bar: 19, postgres: postgres)], client: client)
                // 25 wanted; bars of volume 40 allow 10 each.
                for index in 20..<23 {
                    _ = try await F.postCandles([F.bar(index, "100", "101", "99", "100", volume: "40")], client: client)
                }
                let fills = try await postgres.query("SELECT quantity FROM fills ORDER BY id").collect().map { try $0.decode(Decimal.self) }
                #expect(fills == [10, 10, 5])
                let path = try await postgres.query("SELECT to_status FROM order_events ORDER BY id").collect().map { try $0.decode(String.self) }
                #expect(path == ["new", "submitted", "partially_filled", "partially_filled", "filled"])
                #expect(try await F.value("SELECT quantity FROM positions", as: Decimal.self, postgres: postgres) == 25)
                let (filled, status) = try await postgres.query("SELECT filled_quantity, status FROM orders").collect()[0].decode(
                    (Decimal, String).self)
                #expect(filled == 25)
                #expect(status == "filled")
            }
        }
    }

    @Test("a stop that fires while the entry is still filling cancels the rest of the entry")
    func stopCancelsWorkingEntry() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            try await buildEngineApplication(configuration: TestConfiguration.service(.engine, database: url), settings: F.settings()).test(.router) {
                client in
                try await client.waitUntilReady()
                _ = try await F.postSignals([try await F.insertSignal(.buy, bar: 19, postgres: postgres)], client: client)
                _ = try await F.postCandles([F.bar(20, "100", "101", "99", "100", volume: "40")], client: client)  // 10 of 25 bought
                _ = try await F.postCandles([F.bar(21, "99", "99.5", "95", "95.5", volume: "40")], client: client)  // 10 more, then the stop
                let entry = try await postgres.query("SELECT status, filled_quantity FROM orders WHERE side = 'buy'").collect()[0].decode(
                    (String, Decimal).self)
                #expect(entry.0 == "canceled")
                #expect(entry.1 == 20)
                _ = try await F.postCandles([F.bar(22, "95.5", "96", "95", "95.5", volume: "40")], client: client)
                _ = try await F.postCandles([F.bar(23, "95.5", "96", "95", "95.5", volume: "40")], client: client)
                let bought = try await F.value("SELECT sum(quantity) FROM fills WHERE side = 'buy'", as: Decimal.self, postgres: postgres)
                #expect(bought == 20)
                let (quantity, reason) = try await postgres.query("SELECT quantity, exit_reason FROM trades").collect()[0].decode(
                    (Decimal, String).self)
                #expect(quantity == 20)
                #expect(reason == "stop_loss")
                #expect(try await F.count("positions", postgres: postgres) == 0)
                try await CrashRecoveryTests.invariants(postgres)
            }
        }
    }

    @Test("a restart resumes the open session; --new-session is refused while positions are open; --resume-from-last-balance funds the next one")
    func sessions() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let configuration = try TestConfiguration.service(.engine, database: url)
            // Each engine here follows the last: one whose predecessor's lock connection is still closing tries the lock
            // again after 200 ms rather than the fixture's minute.
            let settings = F.settings(poll: .milliseconds(200))
            try await buildEngineApplication(configuration: configuration, settings: settings).test(.router) { client in
                try await client.waitUntilReady()
                _ = try await F.postSignals([try await F.insertSignal(.buy, bar: 19, postgres: postgres)], client: client)
                _ = try await F.postCandles([F.bar(20, "100", "101", "99", "100")], client: client)
            }
            // Resumed: same session, same position, same cash.
            try await buildEngineApplication(configuration: configuration, settings: settings).test(.router) { client in
                try await client.waitUntilReady()
                let session = try await F.get("/api/v1/session", client: client)
                #expect(session["id"] as? Int == 1)
                let portfolio = try await F.get("/api/v1/portfolio", client: client)
                #expect(portfolio["cash"] as? String == "7492.74525")
                #expect((portfolio["positions"] as? [Any])?.count == 1)
            }
            // A new session while a position is open: not ready, with the reason.
            let refused = try buildEngineApplication(
                configuration: configuration, settings: settings, startOptions: EngineStartOptions(mode: .paper, newSession: true)
            )
            try await refused.test(.router) { client in
                var body = ""
                for _ in 0..<100 where !body.contains("still has") {
                    try await Task.sleep(for: .milliseconds(50))
                    body = String(buffer: try await client.execute(uri: "/ready", method: .get, headers: [:], body: nil).body)
                }
                #expect(body.contains("session 1 still has 1 open positions or orders"), Comment(rawValue: body))
            }
            // Flatten, then roll over to a new session funded with the last cash.
            try await buildEngineApplication(configuration: configuration, settings: settings).test(.router) { client in
                try await client.waitUntilReady()
                _ = try await F.postSignals([try await F.insertSignal(.sell, bar: 20, postgres: postgres)], client: client)
                _ = try await F.postCandles([F.bar(21, "102", "103", "101", "102")], client: client)
            }
            let lastCash = try await F.value("SELECT cash FROM account_balances ORDER BY id DESC LIMIT 1", as: Decimal.self, postgres: postgres)
            try await buildEngineApplication(
                configuration: configuration, settings: settings,
                startOptions: EngineStartOptions(mode: .paper, newSession: true, resumeFromLastBalance: true)
            ).test(.router) { client in
                try await client.waitUntilReady()
                let session = try await F.get("/api/v1/session", client: client)
                #expect(session["id"] as? Int == 2)
                #expect(session["initial_balance"] as? String == lastCash.description)
                #expect(lastCash == F.decimal("10035.20025"))
            }
            let ended = try await F.value("SELECT count(*)::int FROM trading_sessions WHERE ended_at IS NOT NULL", as: Int.self, postgres: postgres)
            #expect(ended == 1)
        }
    }

    /// An engine on a fresh database after one round trip: bought at bar 19's signal, sold at bar 20's (+35.20025).
    static func afterRoundTrip(_ body: @escaping @Sendable (any TestClientProtocol, PostgresClient) async throws -> Void) async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            try await buildEngineApplication(configuration: TestConfiguration.service(.engine, database: url), settings: F.settings()).test(.router) {
                client in
                try await client.waitUntilReady()
                _ = try await F.postSignals([try await F.insertSignal(.buy, bar: 19, postgres: postgres)], client: client)
                _ = try await F.postCandles([F.bar(20, "100", "101", "99", "100")], client: client)
                _ = try await F.postSignals([try await F.insertSignal(.sell, bar: 20, postgres: postgres)], client: client)
                _ = try await F.postCandles([F.bar(21, "102", "103", "101", "102")], client: client)
                try await body(client, postgres)
            }
        }
    }

    @Test("reads of an earlier session by ?session=ID, lists of every session with ?session=all; a bad or unknown session is a 400 or 404")
    func earlierSessions() async throws {
        try await Self.afterRoundTrip { client, postgres in
            // An earlier paper session, ended, with one trade of its own.
            let earlier = try await F.value(
                """
                INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity, started_at, ended_at)
                VALUES ('paper', 'stopped', 5000, 5000, now() - interval '2 days', now() - interval '1 day') RETURNING id
                """, as: Int64.self, postgres: postgres)
            _ = try await postgres.query(
                """
                INSERT INTO trades (session_id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, pnl, exit_reason)
                VALUES (\(earlier), 'BTCUSDT', 'long', 1, now() - interval '2 days', 90, now() - interval '2 days', 95, 5, 'signal')
                """, logger: TestDatabase.logger)

            let current = try await F.get("/api/v1/session", client: client)
            #expect(current["id"] as? Int != Int(earlier))
            #expect(try await F.get("/api/v1/session?session=\(earlier)", client: client)["id"] as? Int == Int(earlier))
            #expect(try await F.get("/api/v1/portfolio?session=\(earlier)", client: client)["equity"] as? String == "5000")
            let theirs = try #require(try await F.get("/api/v1/trades?session=\(earlier)", client: client)["trades"] as? [[String: Any]])
            #expect(theirs.map { $0["pnl"] as? String } == ["5"])
            #expect((try await F.get("/api/v1/trades", client: client)["trades"] as? [Any])?.count == 1, "the current session's")
            #expect((try await F.get("/api/v1/trades?session=all", client: client)["trades"] as? [Any])?.count == 2)
            #expect((try await F.get("/api/v1/orders?session=all", client: client)["orders"] as? [Any])?.count == 2)

            for (uri, status, detail) in [
                ("/api/v1/trades?session=abc", HTTPResponse.Status.badRequest, "session=abc is not a session; expected its id (a number) or all"),
                ("/api/v1/portfolio?session=all", .badRequest, "session=all applies to orders and trades; give one session's id"),
                ("/api/v1/positions?session=999999", .notFound, "no paper session 999999; keelson trading status names the current one"),
            ] {
                let response = try await client.execute(uri: uri, method: .get, headers: [:], body: nil)
                #expect(response.status == status, "\(uri)")
                #expect(String(buffer: response.body).contains(detail), Comment(rawValue: String(buffer: response.body)))
            }
        }
    }

    @Test("performance by period and the engine's metrics after a round trip")
    func performanceAndMetrics() async throws {
        try await Self.afterRoundTrip { client, postgres in

            let daily = try await F.get("/api/v1/performance?period=daily", client: client)
            let periods = try #require(daily["periods"] as? [[String: Any]])
            #expect(periods.count == 1)
            #expect(periods.first?["trades"] as? Int == 1)
            #expect(periods.first?["win_rate"] as? Double == 1)
            // The session so far, as the portfolio reports it: +35.20025 on 10,000.
            #expect(daily["total_return_percent"] as? String == "0.352", Comment(rawValue: "\(daily)"))
            #expect(daily["daily_pnl"] as? String == "35.20025", Comment(rawValue: "\(daily)"))
            #expect(try await F.get("/api/v1/performance?period=monthly", client: client)["period"] as? String == "monthly")

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: [:], body: nil).body)
            #expect(metrics.contains("keelson_engine_cash 10035.20025"), Comment(rawValue: metrics))
            #expect(metrics.contains(#"keelson_engine_fills_total{side="buy"} 1"#))
            #expect(metrics.contains(#"keelson_engine_trading_state{state="active"} 1"#))
            #expect(metrics.contains("keelson_engine_leader 1"))
            #expect(metrics.contains("keelson_engine_slippage_bps_bucket"))
            #expect(metrics.contains(#"keelson_engine_signals_total{outcome="ordered",code=""} 2"#))
        }
    }
}
