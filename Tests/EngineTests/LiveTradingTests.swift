import Foundation
import KeelsonFakeExchange
import KeelsonTestSupport
import PostgresNIO
import Testing

/// The engine in live mode on the fake Binance exchange over real HTTP, with real PostgreSQL: market orders,
/// Binance's commission in the engine's accounting, the symbol's filters, and answers that never come.
@Suite("Engine, live: orders on Binance (the fake exchange)")
struct LiveTradingTests {
    typealias F = EngineFixture
    typealias L = LiveFixture

    @Test(
        "a buy and a sell signal each become one market order and one fill; Binance's commission is the fee, cash moves by exactly what the exchange moved"
    )
    func roundTrip() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let exchange = L.exchange()
            try await exchange.withRunning { baseURL in
                try await L.withEngine(database: url, exchange: baseURL) { client in
                    let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
                    #expect(try await L.decide(buy, client: client, postgres: postgres) == "ordered")

                    // The market order executed when it was sent: one fill from the FULL answer.
                    let placed = try #require(await exchange.orders().last)
                    #expect(placed.clientOrderId == "k-sig-\(buy)")
                    #expect(placed.originalQuantity == 25)
                    let trade = try #require(placed.fills.first)
                    #expect(placed.fills.count == 1)
                    #expect(trade.commissionAsset == "BTC")
                    #expect(trade.commission == F.decimal("0.025"))
                    let order = try await postgres.query(
                        "SELECT status, quantity, filled_quantity, average_fill_price, exchange_order_id FROM orders"
                    ).collect()
                    let (status, quantity, filled, average, exchangeID) = try order[0].decode((String, Decimal, Decimal, Decimal, String).self)
                    #expect(status == "filled")
                    #expect(quantity == 25)
                    #expect(filled == 25)  // the exchange's executedQty
                    #expect(average == trade.price)
                    #expect(exchangeID == String(placed.orderId))
                    #expect(try await L.orderEvents(postgres) == ["->new", "new>submitted", "submitted>filled"])
                    // The commission was taken in BTC: the position is what the account received, the fee is the
                    // commission at the fill's price, and cash fell by exactly 25 × price.
                    let buyFill = try #require(try await L.fills(postgres).first)
                    #expect(buyFill.exchangeFillID == "trade-\(trade.tradeId)")
                    #expect(buyFill.quantity == F.decimal("24.975"))
                    #expect(buyFill.price == trade.price)
                    #expect(buyFill.fee == F.decimal("0.025") * trade.price)
                    #expect(try await F.value("SELECT quantity FROM positions", as: Decimal.self, postgres: postgres) == F.decimal("24.975"))
                    let cashAfterBuy = try await F.value(
                        "SELECT cash FROM account_balances ORDER BY id DESC LIMIT 1", as: Decimal.self, postgres: postgres)
                    #expect(cashAfterBuy == 10_000 - 25 * trade.price)
                    let detail = try await F.value(
                        "SELECT detail::text FROM order_events WHERE to_status = 'filled'", as: String.self, postgres: postgres)
                    #expect(detail.contains(#""commission": "0.025 BTC""#), Comment(rawValue: detail))
                    #expect(detail.contains(#""executed_quantity": "25""#), Comment(rawValue: detail))

                    // The exit sells exactly what the account holds; its commission is in USDT.
                    await exchange.advanceMarket(by: 60)
                    let sell = try await F.insertSignal(.sell, bar: 20, postgres: postgres)
                    #expect(try await L.decide(sell, client: client, postgres: postgres) == "ordered")
                    let exit = try #require(await exchange.orders().last)
                    #expect(exit.clientOrderId == "k-sig-\(sell)")
                    #expect(exit.originalQuantity == F.decimal("24.975"))
                    let exitTrade = try #require(exit.fills.first)
                    #expect(exitTrade.commissionAsset == "USDT")
                    let sellFill = try #require(try await L.fills(postgres).last)
                    #expect(sellFill.quantity == F.decimal("24.975"))
                    #expect(sellFill.fee == exitTrade.commission)
                    #expect(try await F.count("positions", postgres: postgres) == 0)
                    let pnl = try await F.value("SELECT pnl FROM trades", as: Decimal.self, postgres: postgres)
                    let cash = try await F.value("SELECT cash FROM account_balances ORDER BY id DESC LIMIT 1", as: Decimal.self, postgres: postgres)
                    #expect(cash == 10_000 + pnl)
                    #expect(cash == 10_000 - 25 * trade.price + F.decimal("24.975") * exitTrade.price - exitTrade.commission)
                    try await CrashRecoveryTests.invariants(postgres)
                    // What the account holds moved exactly as the books say: 1 BTC before, 1 BTC after.
                    #expect(await exchange.balances().first { $0.asset == "BTC" }?.free == 1)
                    #expect(await L.orderPosts(exchange, clientOrderId: "k-sig-\(buy)") == 1)
                    #expect(await L.orderPosts(exchange, clientOrderId: "k-sig-\(sell)") == 1)
                }
            }
        }
    }

    @Test("the quantity is rounded down to the exchange's lot step before it is sent, and the order records what the exchange works")
    func lotStepRounding() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let exchange = L.exchange {
                $0.stepSize = F.decimal("0.01"); $0.minQty = F.decimal("0.01")
            }
            try await exchange.withRunning { baseURL in
                try await L.withEngine(database: url, exchange: baseURL) { client in
                    // At 101 the position cap (2,500) sizes 24.75247 on the engine's default step; Binance's step is 0.01.
                    let buy = try await F.insertSignal(.buy, bar: 19, price: "101", postgres: postgres)
                    #expect(try await L.decide(buy, client: client, postgres: postgres) == "ordered")
                    let placed = try #require(await exchange.orders().last)
                    #expect(placed.originalQuantity == F.decimal("24.75"))
                    let (status, quantity, filled) = try await postgres.query("SELECT status, quantity, filled_quantity FROM orders").collect()[0]
                        .decode((String, Decimal, Decimal).self)
                    #expect(status == "filled")
                    #expect(quantity == F.decimal("24.75"))
                    #expect(filled == F.decimal("24.75"))
                    // Sized on the exchange's step from the start: written as 24.75, so the exchange works what was written.
                    #expect(try await L.orderEvents(postgres) == ["->new", "new>submitted", "submitted>filled"])
                    // The commission (0.02475 BTC) leaves 24.72525: the position keeps the 24.72 an exit can sell, and the
                    // rest of the 0.03 is the fee, at the fill's price.
                    let fill = try #require(try await L.fills(postgres).first)
                    let price = try #require(placed.fills.first?.price)
                    #expect(fill.quantity == F.decimal("24.72"))
                    #expect(fill.fee == F.decimal("0.03") * price)
                    #expect(
                        try await F.value("SELECT cash FROM account_balances ORDER BY id DESC LIMIT 1", as: Decimal.self, postgres: postgres)
                            == 10_000 - F.decimal("24.75") * price)
                }
            }
        }
    }

    @Test("under the exchange's minimum notional: the signal is refused by the risk manager; a stale price the exchange refuses (-1013) is a rejected order")
    func minimumNotional() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let exchange = L.exchange { $0.minNotional = 2000 }
            try await exchange.withRunning { baseURL in
                try await L.withEngine(database: url, exchange: baseURL) { client in
                    // 25 units at the signal's 60 is 1,500: below the exchange's 2,000, which the risk manager sizes by,
                    // so the signal is refused and no order is written or sent.
                    let small = try await F.insertSignal(.buy, bar: 19, price: "60", postgres: postgres)
                    #expect(try await L.decide(small, client: client, postgres: postgres) == "rejected")
                    let refused = try await F.value(
                        "SELECT reason FROM engine_signal_log WHERE signal_id = \(small)", as: String.self, postgres: postgres)
                    #expect(refused.contains("is below the minimum notional 2000"), Comment(rawValue: refused))
                    #expect(await L.orderPosts(exchange, clientOrderId: "k-sig-\(small)") == 0)

                    // 12.5 units at the signal's 200 pass the check, but the exchange prices them near 100: -1013.
                    let stale = try await F.insertSignal(.buy, bar: 19, price: "200", strategy: "other", postgres: postgres)
                    #expect(try await L.decide(stale, client: client, postgres: postgres) == "ordered")
                    let rejected = try await F.value(
                        "SELECT status || ': ' || reject_reason FROM orders WHERE signal_id = \(stale)", as: String.self, postgres: postgres)
                    #expect(rejected == "rejected: Binance refused the order (code -1013): Filter failure: NOTIONAL")
                    #expect(await L.orderPosts(exchange, clientOrderId: "k-sig-\(stale)") == 1)
                    #expect(try await F.count("fills", postgres: postgres) == 0)
                    #expect(
                        try await F.value("SELECT count(*)::int FROM risk_events WHERE kind = 'order_rejected'", as: Int.self, postgres: postgres)
                            == 1)
                    let events = try await L.orderEvents(postgres)
                    #expect(events == ["->new", "new>rejected"])
                }
            }
        }
    }

    @Test("a 5xx after the exchange executed the order: it is found by client order id and recorded once with the commission charged (myTrades), from one POST")
    func serverErrorAfterExecution() async throws {
        try await answerLost(.serverError(status: 503, htmlBody: true))
    }

    @Test("no answer before the timeout: the order is found by client order id and recorded once, from one POST")
    func timeoutAfterExecution() async throws {
        try await answerLost(.delayedAnswer(.seconds(3)), timeout: .seconds(1))
    }

    @Test("the answer is lost and the query fails too: the order stays new, a later query finds it executed, and it is never sent again")
    func queryFailsToo() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let exchange = L.exchange { $0.minNotional = 2000 }
            try await exchange.withRunning { baseURL in
                try await L.withEngine(database: url, exchange: baseURL, poll: .milliseconds(200)) { client in
                    // The symbol's filters and assets were learnt when the session opened, so the faults hit the order:
                    // it executes but its answer is a 503, and the query right after gets an unreadable answer.
                    await exchange.failNextOrder(.serverError(status: 503, htmlBody: false))
                    await exchange.malformNextResponses(2)
                    let buy = try await F.insertSignal(.buy, bar: 19, strategy: "other", postgres: postgres)
                    #expect(try await L.decide(buy, client: client, postgres: postgres) == "ordered")
                    #expect(try await F.value("SELECT status FROM orders WHERE signal_id = \(buy)", as: String.self, postgres: postgres) == "new")
                    let unknown = try await F.value(
                        "SELECT reason FROM risk_events WHERE kind = 'order_status_unknown'", as: String.self, postgres: postgres)
                    #expect(unknown.hasPrefix("order k-sig-\(buy): status unknown"), Comment(rawValue: unknown))
                    // A second buy is refused: the entry for the symbol is still working — or, when the catch-up
                    // poll on a loaded machine has already found it executed, the position it opened is held.
                    let another = try await F.insertSignal(.buy, bar: 19, strategy: "third", postgres: postgres)
                    #expect(try await L.decide(another, client: client, postgres: postgres) == "rejected")
                    let waiting = try await F.value(
                        "SELECT reason FROM engine_signal_log WHERE signal_id = \(another)", as: String.self, postgres: postgres)
                    #expect(waiting.contains("is still working") || waiting.contains("already has an open position"), Comment(rawValue: waiting))

                    // The catch-up poll asks again (after a second's backoff) and records it once.
                    var fills = 0
                    for _ in 0..<400 where fills == 0 {
                        try await Task.sleep(for: .milliseconds(50))
                        fills = try await F.count("fills", postgres: postgres)
                    }
                    #expect(fills == 1)
                    #expect(try await F.value("SELECT status FROM orders WHERE signal_id = \(buy)", as: String.self, postgres: postgres) == "filled")
                    #expect(await L.orderPosts(exchange, clientOrderId: "k-sig-\(buy)") == 1)
                    #expect(await exchange.orders().filter { $0.clientOrderId == "k-sig-\(buy)" }.count == 1)
                    try await Task.sleep(for: .milliseconds(600))  // more polls change nothing
                    #expect(try await F.count("fills", postgres: postgres) == 1)
                    try await CrashRecoveryTests.invariants(postgres)
                }
            }
        }
    }

    private func answerLost(_ fault: FakeOrderFault, timeout: Duration = .seconds(5)) async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let exchange = L.exchange(commissionRate: F.decimal("0.00075"))
            try await exchange.withRunning { baseURL in
                try await L.withEngine(database: url, exchange: baseURL, timeout: timeout) { client in
                    await exchange.failNextOrder(fault)
                    let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
                    #expect(try await L.decide(buy, client: client, postgres: postgres) == "ordered")
                    // The exchange holds one order under this id; a late answer is logged by the fake once it is sent.
                    #expect(await exchange.orders().filter { $0.clientOrderId == "k-sig-\(buy)" }.count == 1)
                    for _ in 0..<200 where await L.orderPosts(exchange, clientOrderId: "k-sig-\(buy)") == 0 {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    #expect(await L.orderPosts(exchange, clientOrderId: "k-sig-\(buy)") == 1)
                    try await L.waitForFills(1, postgres: postgres)
                    let queries = await exchange.receivedRequests().filter {
                        $0.method == "GET" && $0.path == "/api/v3/order" && $0.query.contains("origClientOrderId=k-sig-\(buy)")
                    }
                    #expect(queries.count == 1)
                    let placed = try #require(await exchange.orders().last)
                    #expect(placed.status == "FILLED")

                    // The query carries no fills: the order's trades (myTrades) are recorded, each with the commission the
                    // exchange charged. The fake charges 0.075 %, not the 0.1 % taker rate an estimate would use.
                    let fills = try await L.fills(postgres)
                    let trade = try #require(placed.fills.first)
                    #expect(fills.count == 1)
                    #expect(fills.first?.exchangeFillID == "trade-\(trade.tradeId)")
                    #expect(trade.commission == F.decimal("0.01875"))
                    #expect(fills.first?.quantity == 25 - trade.commission)
                    #expect(fills.first?.fee == trade.commission * trade.price)
                    let detail = try await F.value(
                        "SELECT detail::text FROM order_events WHERE to_status = 'filled'", as: String.self, postgres: postgres)
                    #expect(detail.contains(#""commission": "0.01875 BTC""#), Comment(rawValue: detail))
                    let tradeQueries = await exchange.receivedRequests().filter {
                        $0.method == "GET" && $0.path == "/api/v3/myTrades" && $0.query.contains("orderId=\(placed.orderId)")
                    }
                    #expect(tradeQueries.count == 1)
                    #expect(try await F.value("SELECT status FROM orders", as: String.self, postgres: postgres) == "filled")
                    #expect(try await L.orderEvents(postgres) == ["->new", "new>submitted", "submitted>filled"])
                    #expect(
                        try await F.value("SELECT cash FROM account_balances ORDER BY id DESC LIMIT 1", as: Decimal.self, postgres: postgres)
                            == 10_000 - placed.cumulativeQuoteQuantity)

                    // Catch-up polls and a repeated signal change nothing.
                    #expect(try await F.postSignals([buy], client: client).first?.outcome == "duplicate")
                    #expect(try await F.count("fills", postgres: postgres) == 1)
                    #expect(await L.orderPosts(exchange, clientOrderId: "k-sig-\(buy)") == 1)
                    try await CrashRecoveryTests.invariants(postgres)
                }
            }
        }
    }
}
