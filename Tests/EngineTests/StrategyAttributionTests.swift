import EngineService
import Foundation
import HummingbirdTesting
import KeelsonDomain
import KeelsonPersistence
import KeelsonTestSupport
import KeelsonTrading
import PostgresNIO
import Testing

@Suite("Engine: every order, fill and round trip belongs to the strategy instance whose entry caused it")
struct StrategyAttributionTests {
    typealias F = EngineFixture

    @Test(
        "entries sized from the latest split of the capital, on PostgreSQL: an open position and a working entry use it up; refused with the reason")
    func entriesSizedFromTheStoredAllocation() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            try await postgres.query(
                """
                INSERT INTO strategy_states (instance, strategy, symbols, "interval", parameters, status, status_reason)
                VALUES ('alpha', 'sma_crossover', ARRAY['BTCUSDT'], '1m', '{}', 'active', 'test'),
                       ('beta', 'sma_crossover', ARRAY['BTCUSDT'], '1m', '{}', 'active', 'test')
                """)
            @Sendable func allocate(alpha: String, at minute: Int) async throws {
                try await postgres.query(
                    """
                    INSERT INTO capital_allocations (computed_at, instance, status, share, amount, capital_limit)
                    VALUES (now() + \(minute) * interval '1 minute', 'alpha', 'active', 0.2, \(alpha)::numeric, 10000),
                           (now() + \(minute) * interval '1 minute', 'beta', 'active', 0.2, 2000, 10000)
                    """)
            }
            try await allocate(alpha: "1200", at: 0)
            let app = try buildEngineApplication(configuration: TestConfiguration.service(.engine, database: url), settings: F.settings())
            try await app.test(.router) { client in
                try await client.waitUntilReady()
                let repository = PostgresTradingRepository(client: postgres, logger: TestDatabase.logger)
                let session = try #require(
                    try await postgres.query("SELECT max(id) FROM trading_sessions", logger: TestDatabase.logger).collect().first?.decode(Int64.self))
                let alphaBuy = try await F.insertSignal(.buy, bar: 19, strategy: "alpha", postgres: postgres)
                #expect(try await F.postSignals([alphaBuy], client: client).first?.outcome == "ordered")
                let quantity = try await postgres.query("SELECT quantity FROM orders WHERE side = 'buy'", logger: TestDatabase.logger)
                    .collect().first?.decode(Decimal.self)
                #expect(quantity == 12, "1,200 at the signal's 100; risk alone would buy 25")
                // The working entry uses alpha's share at the signal's price, the position at its entry price.
                #expect(try await repository.latestAllocation() == ["alpha": 1200, "beta": 2000])
                #expect(try await repository.exposure(of: "alpha", sessionID: session) == 1200)
                _ = try await F.postCandles([F.bar(20, "100", "101", "99", "100")], client: client)
                let position = try #require(
                    try await postgres.query("SELECT quantity * average_entry_price FROM positions", logger: TestDatabase.logger).collect().first?
                        .decode(Decimal.self))
                #expect(try await repository.exposure(of: "alpha", sessionID: session) == position)
                #expect(try await repository.exposure(of: "beta", sessionID: session) == 0)
                // A sell is never held back; a later split that gives alpha nothing refuses its next entry.
                let sold = try await F.insertSignal(.sell, bar: 20, strategy: "alpha", postgres: postgres)
                #expect(try await F.postSignals([sold], client: client).first?.outcome == "ordered")
                _ = try await F.postCandles([F.bar(21, "100", "101", "99", "100")], client: client)
                try await allocate(alpha: "0", at: 1)
                try await Task.sleep(for: .seconds(5.2))  // the engine reads a new split within 5 s
                let refused = try await F.postSignals(
                    [try await F.insertSignal(.buy, bar: 21, strategy: "alpha", postgres: postgres)], client: client)
                #expect(refused.first?.outcome == "rejected")
                #expect(refused.first?.detail?.hasPrefix("allocation_used: alpha has no capital allocated in the latest split") == true, "\(refused)")
            }
        }
    }

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
