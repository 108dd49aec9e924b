import EngineService
import Foundation
import HummingbirdTesting
import KeelsonDomain
import KeelsonServiceKit
import KeelsonTestSupport
import PostgresNIO
import Testing

@Suite("Engine: loss limits halt trading, the halt survives a restart, stops exit at the right bar")
struct RiskLimitTests {
    typealias F = EngineFixture

    enum Limit: String, CaseIterable, Sendable { case dailyLoss = "daily_loss_limit", drawdown = "max_drawdown" }

    @Test("a loss limit halts new entries, exits still run, and a restart stays halted", arguments: Limit.allCases)
    func limitHalts(limit: Limit) async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let settings =
                limit == .dailyLoss ? F.settings(dailyLoss: F.decimal("0.5"), drawdown: 50) : F.settings(dailyLoss: 50, drawdown: F.decimal("0.5"))
            let configuration = try TestConfiguration.service(.engine, database: url)
            try await buildEngineApplication(configuration: configuration, settings: settings).test(.router) { client in
                try await client.waitUntilReady()
                let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
                _ = try await F.postSignals([buy], client: client)
                _ = try await F.postCandles([F.bar(20, "100", "101", "99", "100")], client: client)
                // Equity 7,492.75 + 25 × 97.5 = 9,930.25: 0.70 % below both the day's start and the peak (10,000).
                let fell = try await F.postCandles([F.bar(21, "99", "99.5", "97", "97.5")], client: client)
                #expect(fell.state == "halted")
                let event = try await postgres.query("SELECT kind, reason FROM risk_events WHERE kind = \(limit.rawValue)").collect()
                #expect(event.count == 1)
                let reason = try event.first.map { try $0.decode((String, String).self).1 } ?? ""
                #expect(reason.contains("reached the limit of 0.5 %"), Comment(rawValue: reason))

                let again = try await F.insertSignal(.buy, bar: 21, strategy: "other", postgres: postgres)
                let refused = try await F.postSignals([again], client: client)
                #expect(refused.first?.outcome == "rejected")
                #expect(refused.first?.detail?.hasPrefix("trading_halted") == true)
                // Exits and stops keep running while halted.
                let sell = try await F.insertSignal(.sell, bar: 21, postgres: postgres)
                #expect(try await F.postSignals([sell], client: client).first?.outcome == "ordered")
                #expect(try await F.postCandles([F.bar(22, "97.5", "98", "97", "97.5")], client: client).fills == 1)
                #expect(try await F.count("positions", postgres: postgres) == 0)
            }

            try await buildEngineApplication(configuration: configuration, settings: settings).test(.router) { client in
                try await client.waitUntilReady()
                let session = try await F.get("/api/v1/session", client: client)
                #expect(session["status"] as? String == "halted")
                let risk = try await F.get("/api/v1/risk", client: client)
                #expect(risk["state"] as? String == "halted")
                #expect((risk["events"] as? [[String: Any]])?.contains { $0["kind"] as? String == limit.rawValue } == true)
                let afterRestart = try await F.insertSignal(.buy, bar: 22, postgres: postgres)
                #expect(try await F.postSignals([afterRestart], client: client).first?.detail?.hasPrefix("trading_halted") == true)

                let resumed = try await F.control("resume", reason: "limits reviewed", client: client)
                #expect(resumed.status == .ok)
                #expect(resumed.body.contains(#""changed":true"#))
                #expect(try await F.control("resume", reason: "twice", client: client).body.contains(#""changed":false"#))
                #expect((try await F.get("/api/v1/session", client: client))["status"] as? String == "active")
            }
        }
    }

    @Test("the trailing stop follows the highs and exits on the first bar whose low crosses it")
    func trailingStop() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            try await buildEngineApplication(configuration: TestConfiguration.service(.engine, database: url), settings: F.settings()).test(.router) {
                client in
                try await client.waitUntilReady()
                _ = try await F.postSignals([try await F.insertSignal(.buy, bar: 19, postgres: postgres)], client: client)
                // Entry 100.19 at bar 20; stop 96.19, take-profit 112.19, trailing 6 below the highest high.
                let bars = [
                    F.bar(20, "100", "101", "99", "100"),
                    F.bar(21, "100.5", "104", "100", "103.5"),  // trailing 95 < fixed stop
                    F.bar(22, "103.5", "108", "103", "107.5"),  // stop now 98
                    F.bar(23, "107.5", "110", "107", "109"),  // stop now 102
                    F.bar(24, "109", "109.5", "105", "106"),  // stop 104, low 105: holds
                    F.bar(25, "106", "106.5", "103", "103.5"),  // low 103 crosses 104: exit here
                ]
                for (offset, bar) in bars.enumerated() {
                    _ = try await F.postCandles([bar], client: client)
                    let sells = try await F.value("SELECT count(*)::int FROM orders WHERE side = 'sell'", as: Int.self, postgres: postgres)
                    #expect(sells == (offset == 5 ? 1 : 0), "bar \(20 + offset)")
                }
                let trade = try await postgres.query("SELECT exit_reason, exit_price, exit_time FROM trades").collect()
                #expect(trade.count == 1)
                let (reason, exitPrice, exitTime) = try trade[0].decode((String, Decimal, Date).self)
                #expect(reason == "trailing_stop")
                // The stop level 104, less 1 + 7.906 + 5 % of 330.2 bps = 25.42 bps of slippage, down to the tick.
                #expect(exitPrice == F.decimal("103.73"))
                #expect(exitTime > F.time(25) && exitTime <= F.time(26).addingTimeInterval(1))
                let expected = try await F.value("SELECT expected_price FROM fills WHERE side = 'sell'", as: Decimal.self, postgres: postgres)
                #expect(expected == 104)
            }
        }
    }

    @Test("operator controls: kill switch cancels working orders, stop-entries, close-all; each is idempotent")
    func controls() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            try await buildEngineApplication(configuration: TestConfiguration.service(.engine, database: url), settings: F.settings()).test(.router) {
                client in
                try await client.waitUntilReady()
                _ = try await F.postSignals([try await F.insertSignal(.buy, bar: 19, postgres: postgres)], client: client)
                let halted = try await F.control("halt", reason: "exchange incident", client: client)
                #expect(halted.status == .ok)
                #expect(halted.body.contains(#""state":"stopped""#))
                #expect(halted.body.contains("1 working orders canceled"))
                #expect(try await F.control("halt", reason: "again", client: client).body.contains(#""changed":false"#))
                #expect(try await F.value("SELECT status FROM orders", as: String.self, postgres: postgres) == "canceled")
                #expect(try await F.postCandles([F.bar(20, "100", "101", "99", "100")], client: client).fills == 0)
                let refused = try await F.postSignals([try await F.insertSignal(.buy, bar: 20, postgres: postgres)], client: client)
                #expect(refused.first?.detail?.hasPrefix("trading_stopped") == true)

                _ = try await F.control("resume", reason: "incident over", client: client)
                _ = try await F.postSignals([try await F.insertSignal(.buy, bar: 20, strategy: "b", postgres: postgres)], client: client)
                #expect(try await F.postCandles([F.bar(21, "100", "101", "99", "100")], client: client).fills == 1)

                let entriesStopped = try await F.control("stop-entries", reason: "end of day", client: client)
                #expect(entriesStopped.body.contains(#""state":"halted""#))
                #expect(try await F.control("stop-entries", reason: "again", client: client).body.contains(#""changed":false"#))

                let closing = try await F.control("close-all", reason: "flatten", client: client)
                #expect(closing.body.contains("1 exit orders sent"))
                #expect(try await F.control("close-all", reason: "again", client: client).body.contains(#""changed":false"#))
                #expect(try await F.postCandles([F.bar(22, "100", "101", "99", "100")], client: client).fills == 1)
                #expect(try await F.value("SELECT exit_reason FROM trades", as: String.self, postgres: postgres) == "close_all")
                #expect(try await F.count("positions", postgres: postgres) == 0)
                let kinds = try await postgres.query("SELECT kind FROM risk_events ORDER BY id").collect().map { try $0.decode(String.self) }
                #expect(kinds.contains("operator_halt") && kinds.contains("operator_resume") && kinds.contains("operator_stop_entries"))
            }
        }
    }
}
