import Foundation
import KeelsonFakeExchange
import KeelsonTestSupport
import NIOCore
import PostgresNIO
import Testing

/// Start-up reconciliation in live mode: what happened on the exchange while no engine was listening is
/// recorded exactly once, and trading waits until the exchange has been asked.
@Suite("Engine, live: reconciliation at start")
struct LiveReconciliationTests {
    typealias F = EngineFixture
    typealias L = LiveFixture

    @Test("an order executed on the exchange while the engine was down becomes exactly one fill; trading resumes only after the exchange answered")
    func orderFilledWhileDown() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let port = FreePort.next()
            let exchange = L.exchange(port: port)
            let baseURL = "http://127.0.0.1:\(port)"

            // 1. The engine writes the order and dies before the exchange hears of it; the order then executes
            //    on the exchange under its client order id — as if it had been sent and the answer lost with the
            //    process.
            let (buy, output) = try await exchange.withRunning { _ in
                let engine = try EngineProcess.start(database: url, crashAt: "after-order-written", environment: L.environment(baseURL))
                #expect(await engine.waitUntilReady(), Comment(rawValue: engine.child.output().stdout))
                let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
                _ = try? await engine.postSignals([buy])
                let died = try await engine.child.wait(timeout: .seconds(20))
                #expect(died.exitCode == SIGKILL, Comment(rawValue: died.stderr))
                _ = try await exchange.executeOrder(symbol: "BTCUSDT", side: "BUY", quantity: 25, clientOrderId: "k-sig-\(buy)")
                return (buy, died)
            }
            #expect(try await F.value("SELECT status FROM orders", as: String.self, postgres: postgres) == "new")
            #expect(try await F.count("fills", postgres: postgres) == 0)
            // Live mode logged its connection, never the secret.
            #expect(output.stdout.contains("live trading"), Comment(rawValue: output.stdout))
            #expect(!(output.stdout + output.stderr).contains(L.apiSecret))

            // 2. A new engine starts while the exchange cannot be reached: it leads but does not trade.
            try await L.withEngine(database: url, exchange: baseURL, waitUntilReady: false) { client in
                var reason = ""
                for _ in 0..<400 where !reason.contains("reconciliation with binance failed") {
                    try await Task.sleep(for: .milliseconds(25))
                    let ready = try await client.execute(uri: "/ready", method: .get, headers: [:], body: nil)
                    #expect(ready.status == .serviceUnavailable)
                    reason = String(buffer: ready.body)
                }
                #expect(reason.contains("reconciliation with binance failed"), Comment(rawValue: reason))
                let refused = try await client.execute(
                    uri: "/internal/v1/signals", method: .post, headers: F.auth, body: ByteBuffer(string: #"{"signals":[{"id":\#(buy)}]}"#))
                #expect(refused.status == .serviceUnavailable)
                #expect(try await F.count("fills", postgres: postgres) == 0)

                // 3. The exchange is back: the retry finds the order executed and records it once, then trades.
                try await exchange.withRunning { _ in
                    try await client.waitUntilReady(attempts: 1200)
                    let placed = try #require(await exchange.orders().first)
                    let fills = try await L.fills(postgres)
                    #expect(fills.count == 1)
                    #expect(fills.first?.exchangeFillID == "order-\(placed.orderId)-executed-25")
                    #expect(fills.first?.quantity == F.decimal("24.975"))
                    #expect(try await F.value("SELECT status FROM orders", as: String.self, postgres: postgres) == "filled")
                    #expect(try await F.value("SELECT quantity FROM positions", as: Decimal.self, postgres: postgres) == F.decimal("24.975"))
                    let finding = try await F.value(
                        "SELECT reason FROM risk_events WHERE kind = 'reconciliation'", as: String.self, postgres: postgres)
                    #expect(finding.hasPrefix("order k-sig-\(buy): executed 25 while the engine was not listening"), Comment(rawValue: finding))
                    #expect(try await F.value("SELECT status FROM trading_sessions", as: String.self, postgres: postgres) == "active")
                    // Nothing was ever sent twice: the only order on the exchange is the one executed while away.
                    #expect(await exchange.orders().count == 1)
                    #expect(await L.orderPosts(exchange, clientOrderId: "k-sig-\(buy)") == 0)
                    try await CrashRecoveryTests.invariants(postgres)
                }
            }
        }
    }

    @Test("an order the exchange never received is marked rejected, not sent; a balance the account lacks halts entries with the reason")
    func neverSentAndShortfall() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let exchange = L.exchange()
            try await exchange.withRunning { baseURL in
                let engine = try EngineProcess.start(database: url, crashAt: "after-order-written", environment: L.environment(baseURL))
                #expect(await engine.waitUntilReady(), Comment(rawValue: engine.child.output().stdout))
                let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
                _ = try? await engine.postSignals([buy])
                _ = try await engine.child.wait(timeout: .seconds(20))
                // Written more than the visibility window ago, as far as the exchange can tell.
                try await postgres.query("UPDATE orders SET created_at = now() - interval '1 hour'")
                await exchange.setBalance(asset: "USDT", free: 4000)

                try await L.withEngine(database: url, exchange: baseURL) { client in
                    let order = try await F.value("SELECT status || ': ' || reject_reason FROM orders", as: String.self, postgres: postgres)
                    #expect(order.hasPrefix("rejected: Binance has no order k-sig-\(buy)"), Comment(rawValue: order))
                    #expect(order.contains("it is not sent again"))
                    #expect(await exchange.orders().isEmpty)
                    let session = try await postgres.query("SELECT status, status_reason FROM trading_sessions").collect()[0].decode(
                        (String, String).self)
                    #expect(session.0 == "halted")
                    #expect(session.1.hasPrefix("reconciliation: the account holds 4000 USDT"), Comment(rawValue: session.1))
                    // The shortfall, and the halt it caused.
                    #expect(
                        try await F.value("SELECT count(*)::int FROM risk_events WHERE kind = 'reconciliation'", as: Int.self, postgres: postgres)
                            == 2)
                    // Entries wait for an operator; the engine itself is ready.
                    let entry = try await F.insertSignal(.buy, bar: 19, strategy: "other", postgres: postgres)
                    #expect(try await L.decide(entry, client: client, postgres: postgres) == "rejected")
                    let reason = try await F.value(
                        "SELECT reason FROM engine_signal_log WHERE signal_id = \(entry)", as: String.self, postgres: postgres)
                    #expect(reason.contains("halted"), Comment(rawValue: reason))
                }
            }
        }
    }
}
