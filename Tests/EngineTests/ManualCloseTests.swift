import EngineService
import Foundation
import HummingbirdTesting
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import PostgresNIO
import Testing

@Suite("keelson db close-position and emergency-close-all: positions closed outside the engine")
struct ManualCloseTests {
    typealias F = EngineFixture

    /// A session holding 25 BTCUSDT bought at 100.19 (cash 7492.74525), the engine then stopped.
    static func openPosition(url: DatabaseURL, postgres: PostgresClient, whileRunning: @Sendable () async throws -> Void = {}) async throws {
        try await F.seedCandles(F.flat(0..<20), postgres: postgres)
        let app = try buildEngineApplication(configuration: TestConfiguration.service(.engine, database: url), settings: F.settings())
        try await app.test(.router) { client in
            try await client.waitUntilReady()
            let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
            _ = try await F.postSignals([buy], client: client)
            _ = try await F.postCandles([F.bar(20, "100", "101", "99", "100")], client: client)
            try await whileRunning()
        }
    }

    @Test("the trade, the cash and the balance are what the engine would have written, and the engine recovers them")
    func closePosition() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            let environment = ["DATABASE_URL": url.connectionString]
            try await Self.openPosition(url: url, postgres: postgres) {
                let refused = try await ChildProcess.run(
                    "keelson", ["db", "close-position", "--symbol", "BTCUSDT", "--exit-price", "104", "--reason", "x"], environment: environment)
                #expect(refused.exitCode != 0)
                #expect(refused.stderr.contains("an engine is trading the paper account"), Comment(rawValue: refused.stderr))
            }
            #expect(
                try await F.value("SELECT cash FROM account_balances ORDER BY id DESC LIMIT 1", as: Decimal.self, postgres: postgres)
                    == F.decimal("7492.74525"))

            let closed = try await ChildProcess.run(
                "keelson",
                ["db", "close-position", "--symbol", "BTCUSDT", "--exit-price", "104", "--fee", "0.1", "--reason", "sold by hand on the exchange"],
                environment: environment
            )
            #expect(closed.exitCode == 0, Comment(rawValue: closed.stderr))
            #expect(closed.stdout.contains("sold 25 BTCUSDT at 104"))

            // PnL = 25 × 104 − 25 × 100.19 − (2.50475 entry fee + 0.1) = 92.64525
            let trade = try await postgres.query(
                "SELECT quantity, entry_price, exit_price, pnl, fees, exit_reason, exit_order_id IS NOT NULL FROM trades"
            ).collect()
            #expect(trade.count == 1)
            let (quantity, entry, exit, pnl, fees, reason, linked) = try trade[0].decode(
                (Decimal, Decimal, Decimal, Decimal, Decimal, String, Bool).self)
            #expect(quantity == 25)
            #expect(entry == F.decimal("100.19"))
            #expect(exit == 104)
            #expect(pnl == F.decimal("92.64525"))
            #expect(fees == F.decimal("2.60475"))
            #expect(reason == "manual")
            #expect(linked)
            #expect(try await F.count("positions", postgres: postgres) == 0)
            // Cash = 7492.74525 + 25 × 104 − 0.1; with nothing open, equity is cash.
            let (cash, equity, realized, feesPaid) = try await postgres.query(
                "SELECT cash, equity, realized_pnl, fees_paid FROM account_balances ORDER BY id DESC LIMIT 1"
            )
            .collect()[0].decode((Decimal, Decimal, Decimal, Decimal).self)
            #expect(cash == F.decimal("10092.64525"))
            #expect(equity == cash)
            #expect(cash == 10_000 + pnl)
            #expect(realized == F.decimal("95.25"))
            #expect(feesPaid == F.decimal("2.60475"))
            #expect(
                try await F.value("SELECT count(*)::int FROM orders WHERE cause = 'manual' AND status = 'filled'", as: Int.self, postgres: postgres)
                    == 1)
            #expect(try await F.value("SELECT count(*)::int FROM risk_events WHERE kind = 'manual_close'", as: Int.self, postgres: postgres) == 1)
            #expect(
                try await F.value("SELECT reason FROM audit_log WHERE action = 'db.close_position'", as: String.self, postgres: postgres)
                    == "sold by hand on the exchange")

            let again = try await ChildProcess.run(
                "keelson", ["db", "close-position", "--symbol", "BTCUSDT", "--exit-price", "104", "--reason", "twice"], environment: environment)
            #expect(again.exitCode != 0)
            #expect(again.stderr.contains("holds no position in BTCUSDT"))
            let badPrice = try await ChildProcess.run(
                "keelson", ["db", "close-position", "--symbol", "BTCUSDT", "--exit-price=-3", "--reason", "x"], environment: environment)
            #expect(badPrice.exitCode != 0)
            #expect(badPrice.stderr.contains("--exit-price -3 is not a price"))

            // The engine starts from what was recorded.
            let app = try buildEngineApplication(configuration: TestConfiguration.service(.engine, database: url), settings: F.settings())
            try await app.test(.router) { client in
                try await client.waitUntilReady()
                let portfolio = try await F.get("/api/v1/portfolio", client: client)
                #expect(portfolio["cash"] as? String == "10092.64525")
                #expect((portfolio["positions"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test("emergency-close-all asks first, then closes at the last mark, cancels orders and stops the session")
    func emergencyCloseAll() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            let environment = ["DATABASE_URL": url.connectionString]
            try await Self.openPosition(url: url, postgres: postgres)
            let unconfirmed = try await ChildProcess.run(
                "keelson", ["db", "emergency-close-all", "--session", "1", "--reason", "engine lost"], environment: environment)
            #expect(unconfirmed.exitCode != 0)
            #expect(unconfirmed.stderr.contains("stdin is not a terminal"), Comment(rawValue: unconfirmed.stderr))
            #expect(try await F.count("positions", postgres: postgres) == 1)

            let mark = try await F.value("SELECT mark_price FROM positions", as: Decimal.self, postgres: postgres)
            let closed = try await ChildProcess.run(
                "keelson", ["db", "emergency-close-all", "--session", "1", "--reason", "engine lost", "--yes"], environment: environment)
            #expect(closed.exitCode == 0, Comment(rawValue: closed.stderr))
            #expect(try await F.count("positions", postgres: postgres) == 0)
            #expect(try await F.value("SELECT exit_price FROM trades", as: Decimal.self, postgres: postgres) == mark)
            #expect(try await F.value("SELECT status FROM trading_sessions WHERE id = 1", as: String.self, postgres: postgres) == "stopped")
            #expect(
                try await F.value(
                    "SELECT count(*)::int FROM orders WHERE status IN ('new', 'submitted', 'partially_filled')", as: Int.self, postgres: postgres)
                    == 0)
        }
    }
}
