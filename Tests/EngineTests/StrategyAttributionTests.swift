import EngineService
import Foundation
import HummingbirdTesting
import KeelsonDomain
import KeelsonTestSupport
import PostgresNIO
import Testing

@Suite("Engine: every order, fill and round trip belongs to the strategy instance whose entry caused it")
struct StrategyAttributionTests {
    typealias F = EngineFixture

    @Test("an exit by another instance's signal and a stop keep the entry's instance; per-instance figures add up to the portfolio")
    func attributionAddsUp() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let app = try buildEngineApplication(configuration: TestConfiguration.service(.engine, database: url), settings: F.settings())
            try await app.test(.router) { client in
                try await client.waitUntilReady()
                // alpha enters; beta's sell closes alpha's position: the exit and the round trip are alpha's.
                let alphaBuy = try await F.insertSignal(.buy, bar: 19, strategy: "alpha", postgres: postgres)
                #expect(try await F.postSignals([alphaBuy], client: client).first?.outcome == "ordered")
                _ = try await F.postCandles([F.bar(20, "100", "101", "99", "100")], client: client)
                let betaSell = try await F.insertSignal(.sell, bar: 20, strategy: "beta", postgres: postgres)
                #expect(try await F.postSignals([betaSell], client: client).first?.outcome == "ordered")
                _ = try await F.postCandles([F.bar(21, "102", "103", "101", "102")], client: client)
                // beta enters and is stopped out: a stop exit is beta's.
                let betaBuy = try await F.insertSignal(.buy, bar: 21, price: "102", strategy: "beta", postgres: postgres)
                #expect(try await F.postSignals([betaBuy], client: client).first?.outcome == "ordered")
                _ = try await F.postCandles([F.bar(22, "102", "103", "101", "102")], client: client)
                _ = try await F.postCandles([F.bar(23, "101", "101", "90", "91"), F.bar(24, "91", "92", "90", "91")], client: client)

                let orders = try await postgres.query("SELECT side, cause, strategy FROM orders ORDER BY id", logger: TestDatabase.logger).collect()
                let attributed = try orders.map { try $0.decode((String, String, String?).self) }.map { "\($0.0) \($0.1) \($0.2 ?? "-")" }
                #expect(attributed == ["buy signal alpha", "sell signal alpha", "buy signal beta", "sell stop_loss beta"])
                let trades = try await postgres.query("SELECT strategy, exit_reason FROM trades ORDER BY id", logger: TestDatabase.logger).collect()
                #expect(
                    try trades.map { try $0.decode((String?, String).self) }.map { "\($0.0 ?? "-") \($0.1)" } == ["alpha signal", "beta stop_loss"])

                let portfolio = try await F.get("/api/v1/strategies", client: client)
                let strategies = portfolio["strategies"] as? [[String: Any]] ?? []
                #expect(strategies.compactMap { $0["id"] as? String } == ["alpha", "beta"])
                let figures = strategies.compactMap { $0["figures"] as? [String: Any] }
                let totals = portfolio["totals"] as? [String: Any] ?? [:]
                func sum(_ key: String) -> Decimal { figures.reduce(Decimal(0)) { $0 + F.decimal($1[key] as? String ?? "0") } }
                let storedPnl = try await F.value("SELECT sum(pnl) FROM trades", as: Decimal.self, postgres: postgres)
                let storedFees = try await F.value("SELECT sum(fees) FROM trades", as: Decimal.self, postgres: postgres)
                #expect(sum("realized_pnl") == storedPnl)
                #expect(F.decimal(totals["realized_pnl"] as? String ?? "") == storedPnl)
                #expect(sum("fees") == storedFees)
                #expect(figures.map { $0["trades"] as? Int } == [1, 1])
                #expect(figures.reduce(0) { $0 + ($1["fills"] as? Int ?? 0) } == (try await F.count("fills", postgres: postgres)))
                #expect(totals["trades"] as? Int == 2)
                let beta = figures[1]
                #expect(beta["wins"] as? Int == 0)
                #expect(F.decimal(beta["realized_pnl"] as? String ?? "0") < 0)

                let one = try await F.get("/api/v1/strategies/alpha", client: client)
                #expect(one["id"] as? String == "alpha")
                #expect((one["by_symbol"] as? [[String: Any]])?.first?["symbol"] as? String == "BTCUSDT")
                let execution = try await F.get("/api/v1/execution", client: client)
                #expect((execution["rows"] as? [[String: Any]])?.compactMap { $0["strategy"] as? String } == ["alpha", "beta"])

                let unknown = try await client.execute(uri: "/api/v1/strategies/nope", method: .get, headers: [:], body: nil)
                #expect(unknown.status == .notFound)
                #expect(String(buffer: unknown.body).contains("no strategy instance 'nope'; known: alpha, beta"))
                let badPeriod = try await client.execute(uri: "/api/v1/strategies?period=hourly", method: .get, headers: [:], body: nil)
                #expect(badPeriod.status == .badRequest)
                #expect(String(buffer: badPeriod.body).contains("expected daily, weekly, monthly or all"))
            }
        }
    }
}
