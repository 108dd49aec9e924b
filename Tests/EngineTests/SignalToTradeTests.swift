import EngineService
import Foundation
import HummingbirdTesting
import KeelsonDomain
import KeelsonServiceKit
import KeelsonTestSupport
import PostgresNIO
import Testing

@Suite("Engine: a signal becomes an order, a fill, a position, a trade and a balance")
struct SignalToTradeTests {
    typealias F = EngineFixture

    @Test("buy then sell: every row checked, cash = initial + realised PnL − fees")
    func roundTrip() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let app = try buildEngineApplication(configuration: TestConfiguration.service(.engine, database: url), settings: F.settings())
            try await app.test(.router) { client in
                try await client.waitUntilReady()
                let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
                let decided = try await F.postSignals([buy], client: client)
                #expect(decided == [.init(id: buy, outcome: "ordered", detail: "k-sig-\(buy)")])

                // Written and sent, not filled: a decision on bar 19's close trades at the next price seen.
                let order = try await postgres.query("SELECT client_order_id, status, quantity, expected_price FROM orders").collect()
                #expect(order.count == 1)
                let (clientID, status, quantity, expected) = try order[0].decode((String, String, Decimal, Decimal).self)
                #expect(clientID == "k-sig-\(buy)")
                #expect(status == "submitted")
                #expect(quantity == 25)  // 1 % of 10,000 at risk over a stop of 2 ATR = 4
                #expect(expected == 100)
                let events = try await postgres.query("SELECT coalesce(from_status, '-'), to_status FROM order_events ORDER BY id").collect()
                #expect(try events.map { try $0.decode((String, String).self) }.map { "\($0.0)>\($0.1)" } == ["->new", "new>submitted"])

                // Bar 20 opens at 100: buy slippage = 1 bps half-spread + 50·√(25/1000) bps impact + 5 % of a
                // 200 bps range = 18.906 bps, so 100.189… rounded up to the tick: 100.19.
                let filled = try await F.postCandles([F.bar(20, "100", "101", "99", "100")], client: client)
                #expect(filled.accepted == 1)
                #expect(filled.fills == 1)
                let fill = try await postgres.query("SELECT side, quantity, price, fee, expected_price, slippage_bps FROM fills").collect()
                #expect(fill.count == 1)
                let (side, fillQuantity, price, fee, fillExpected, slippage) = try fill[0].decode(
                    (String, Decimal, Decimal, Decimal, Decimal, Decimal).self)
                #expect(side == "buy")
                #expect(fillQuantity == 25)
                #expect(price == F.decimal("100.19"))
                #expect(fee == F.decimal("2.50475"))  // 0.1 % taker
                #expect(fillExpected == 100)
                #expect(slippage == 19)
                let position = try await postgres.query(
                    "SELECT quantity, average_entry_price, stop_price, take_profit_price, trailing_stop_price FROM positions"
                ).collect()
                let (positionQuantity, average, stop, takeProfit, trailing) = try position[0].decode(
                    (Decimal, Decimal, Decimal, Decimal, Decimal).self)
                #expect(positionQuantity == 25)
                #expect(average == F.decimal("100.19"))
                #expect(stop == F.decimal("96.19"))
                #expect(takeProfit == F.decimal("112.19"))  // 3 × the stop distance
                #expect(trailing == 95)  // bar 20's high 101 − 3 ATR (6); below the fixed stop, so the fixed stop rules
                let cashAfterBuy = try await F.value(
                    "SELECT cash FROM account_balances ORDER BY id DESC LIMIT 1", as: Decimal.self, postgres: postgres)
                #expect(cashAfterBuy == F.decimal("7492.74525"))  // 10,000 − 25 × 100.19 − 2.50475
                let orderStatus = try await F.value("SELECT status FROM orders", as: String.self, postgres: postgres)
                #expect(orderStatus == "filled")

                let sell = try await F.insertSignal(.sell, bar: 20, postgres: postgres)
                #expect(try await F.postSignals([sell], client: client).first?.outcome == "ordered")
                // Bar 21 opens at 102: sell slippage 1 + 7.906 + 5 % of 196.08 bps = 18.71 bps → 101.809… down to 101.80.
                let exited = try await F.postCandles([F.bar(21, "102", "103", "101", "102")], client: client)
                #expect(exited.fills == 1)
                let trade = try await postgres.query("SELECT side, quantity, entry_price, exit_price, pnl, fees, exit_reason FROM trades").collect()
                #expect(trade.count == 1)
                let (tradeSide, tradeQuantity, entry, exit, pnl, fees, reason) = try trade[0].decode(
                    (String, Decimal, Decimal, Decimal, Decimal, Decimal, String).self)
                #expect(tradeSide == "long")
                #expect(tradeQuantity == 25)
                #expect(entry == F.decimal("100.19"))
                #expect(exit == F.decimal("101.8"))
                #expect(fees == F.decimal("5.04975"))  // 2.50475 + 2.545
                #expect(pnl == F.decimal("35.20025"))  // 25 × 1.61 − fees
                #expect(reason == "signal")
                #expect(try await F.count("positions", postgres: postgres) == 0)
                let (cash, realized, feesPaid) = try await postgres.query(
                    "SELECT cash, realized_pnl, fees_paid FROM account_balances ORDER BY id DESC LIMIT 1"
                )
                .collect()[0].decode((Decimal, Decimal, Decimal).self)
                #expect(cash == 10_000 + pnl)
                #expect(realized == F.decimal("40.25"))
                #expect(feesPaid == fees)

                let portfolio = try await F.get("/api/v1/portfolio", client: client)
                #expect(portfolio["cash"] as? String == "10035.20025")
                #expect(portfolio["status"] as? String == "active")
                #expect(portfolio["total_return_percent"] as? String == "0.352")
                #expect(portfolio["daily_pnl"] as? String == "35.20025")
                let trades = try await F.get("/api/v1/trades?limit=10", client: client)
                #expect((trades["trades"] as? [Any])?.count == 1)
                let orders = try await F.get("/api/v1/orders?status=filled", client: client)
                #expect((orders["orders"] as? [Any])?.count == 2)
            }
        }
    }

    @Test("the same signal delivered twice, pushed and caught up, makes one order")
    func duplicateSignal() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let app = try buildEngineApplication(
                configuration: TestConfiguration.service(.engine, database: url), settings: F.settings(poll: .milliseconds(100)))
            try await app.test(.router) { client in
                try await client.waitUntilReady()
                let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
                let first = try await F.postSignals([buy, buy], client: client)
                let second = try await F.postSignals([buy], client: client)
                // The catch-up poll may decide it before the first push arrives; either way it is decided once.
                #expect(Set((first + second).map(\.outcome)).isSubset(of: ["ordered", "duplicate"]))
                #expect((first + second).filter { $0.outcome == "ordered" }.count <= 1)
                #expect(second.map(\.outcome) == ["duplicate"])
                try await Task.sleep(for: .milliseconds(400))  // several catch-up polls
                #expect(try await F.count("orders", postgres: postgres) == 1)
                #expect(try await F.count("engine_signal_log", postgres: postgres) == 1)
                let unknown = try await F.postSignals([987_654], client: client)
                #expect(unknown.first?.outcome == "unknown")
            }
        }
    }

    @Test("a signal nobody pushed is read from the signals table and traded once")
    func catchUpFromTable() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let app = try buildEngineApplication(
                configuration: TestConfiguration.service(.engine, database: url), settings: F.settings(poll: .milliseconds(100)))
            try await app.test(.router) { client in
                try await client.waitUntilReady()
                let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
                var orders = 0
                for _ in 0..<100 where orders == 0 {
                    try await Task.sleep(for: .milliseconds(50))
                    orders = try await F.count("orders", postgres: postgres)
                }
                #expect(orders == 1)
                let signalID = try await F.value("SELECT signal_id FROM orders", as: Int64.self, postgres: postgres)
                #expect(signalID == buy)
                // A candle the collector stored but did not push fills it too.
                try await F.seedCandles([F.bar(20, "100", "101", "99", "100")], postgres: postgres)
                var fills = 0
                for _ in 0..<100 where fills == 0 {
                    try await Task.sleep(for: .milliseconds(50))
                    fills = try await F.count("fills", postgres: postgres)
                }
                #expect(fills == 1)
            }
        }
    }

    @Test("bad requests get a one-line 4xx JSON error")
    func badRequests() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            let app = try buildEngineApplication(configuration: TestConfiguration.service(.engine, database: url), settings: F.settings())
            try await app.test(.router) { client in
                try await client.waitUntilReady()
                let empty = try await client.execute(
                    uri: "/internal/v1/signals", method: .post, headers: F.auth, body: ByteBuffer(string: #"{"signals":[]}"#))
                #expect(empty.status == .badRequest)
                #expect(String(buffer: empty.body).contains("signals must hold 1 to"))
                let noReason = try await F.control("halt", reason: nil, client: client)
                #expect(noReason.status == .badRequest)
                #expect(noReason.body.contains("a reason is required"))
                let badStatus = try await client.execute(uri: "/api/v1/orders?status=lost", method: .get, headers: [:], body: nil)
                #expect(badStatus.status == .badRequest)
                #expect(String(buffer: badStatus.body).contains("status=lost is not an order state"))
                let badPeriod = try await client.execute(uri: "/api/v1/performance?period=hourly", method: .get, headers: [:], body: nil)
                #expect(badPeriod.status == .badRequest)
                let noToken = try await client.execute(
                    uri: "/internal/v1/trading/halt", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"reason":"x"}"#))
                #expect(noToken.status == .unauthorized)
                let badCandle = try await client.execute(
                    uri: "/internal/v1/candles", method: .post, headers: F.auth,
                    body: ByteBuffer(
                        string:
                            #"{"candles":[{"exchange":"replay","symbol":"BTCUSDT","interval":"1m","open_time":"2024-03-01T00:00:00Z","open":"100","high":"90","low":"99","close":"100","volume":"1"}]}"#
                    )
                )
                #expect(badCandle.status == .badRequest)
            }
        }
    }
}
