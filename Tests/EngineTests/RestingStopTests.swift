import EngineService
import Foundation
import HummingbirdTesting
import KeelsonFakeExchange
import KeelsonTestSupport
import PostgresNIO
import Testing

/// Live positions keep a STOP_LOSS_LIMIT resting on the fake exchange: placed after the entry fills, filled by the
/// exchange while no engine runs and recorded once at restart, cancelled before an exit, raised with the trailing stop
/// at most once per interval. The engine fixture's position: 24.975 BTC bought near 100, its stop at 96.
@Suite("Engine, live: the stop-loss rests on the exchange")
struct RestingStopTests {
    typealias F = EngineFixture
    typealias L = LiveFixture

    static func settings(replaceEvery seconds: Int = 60) -> EngineSettings.RestingStopSettings {
        var settings = EngineSettings.RestingStopSettings()
        settings.replaceInterval = .seconds(seconds)
        return settings
    }

    struct StopRow: Sendable {
        var clientOrderID: String
        var status: String
        var quantity: Decimal
        var stopPrice: Decimal
        var limitPrice: Decimal
        var cause: String
    }

    static func stops(_ postgres: PostgresClient) async throws -> [StopRow] {
        try await postgres.query(
            "SELECT client_order_id, status, quantity, stop_price, limit_price, cause FROM orders WHERE type = 'stop_loss_limit' ORDER BY id",
            logger: TestDatabase.logger
        ).collect().map {
            let (id, status, quantity, stop, limit, cause) = try $0.decode((String, String, Decimal, Decimal, Decimal, String).self)
            return StopRow(clientOrderID: id, status: status, quantity: quantity, stopPrice: stop, limitPrice: limit, cause: cause)
        }
    }

    /// Buys at 100 through a signal and waits until the position's stop rests on the exchange.
    static func enter(_ exchange: FakeExchange, client: some TestClientProtocol, postgres: PostgresClient) async throws -> Int64 {
        await exchange.setTradingPrice(100, of: "BTCUSDT")
        let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
        #expect(try await L.decide(buy, client: client, postgres: postgres) == "ordered")
        try await L.waitForFills(1, postgres: postgres)
        for _ in 0..<200 where try await stops(postgres).first?.status != "submitted" {
            try await Task.sleep(for: .milliseconds(50))
        }
        return buy
    }

    /// A fresh database and fake exchange, the live engine with resting stops, and an entry at 100 whose stop rests.
    static func withEntered(
        replaceEvery seconds: Int = 60, reconcile: Duration = .seconds(300),
        _ body: @escaping @Sendable (FakeExchange, any TestClientProtocol, PostgresClient) async throws -> Void
    ) async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let exchange = L.exchange()
            try await exchange.withRunning { baseURL in
                try await L.withEngine(
                    database: url, exchange: baseURL, reconcile: reconcile, restingStops: Self.settings(replaceEvery: seconds)
                ) { client in
                    _ = try await Self.enter(exchange, client: client, postgres: postgres)
                    try await body(exchange, client, postgres)
                }
            }
        }
    }

    static func posts(_ exchange: FakeExchange, type: String) async -> [FakeRecordedRequest] {
        await exchange.receivedRequests().filter { $0.method == "POST" && $0.path == "/api/v3/order" && $0.query.contains("type=\(type)&") }
    }

    @Test("an entry's fill puts one STOP_LOSS_LIMIT on the exchange for the position's quantity, at its stop, the limit 0.5 % below")
    func placedAfterTheEntry() async throws {
        try await Self.withEntered { exchange, client, postgres in
            let stops = try await Self.stops(postgres)
            let position = try await F.value("SELECT quantity FROM positions", as: Decimal.self, postgres: postgres)
            #expect(stops.count == 1)
            let stop = try #require(stops.first)
            #expect(stop.status == "submitted" && stop.cause == "stop_loss")
            #expect(stop.quantity == position && position == F.decimal("24.975"))
            // The position's stop level (4 below the entry's fill) on the tick, the limit 0.5 % lower on the tick.
            let level = try await F.value("SELECT stop_price FROM positions", as: Decimal.self, postgres: postgres)
            let fill = try #require(await exchange.orders().first?.fills.first)
            #expect(level == fill.price - 4)
            let limit = (level * F.decimal("0.995")).rounded(toMultipleOf: F.decimal("0.01"), .down)
            #expect(stop.stopPrice == level && stop.limitPrice == limit)
            let resting = try #require(await exchange.orders().first { $0.type == "STOP_LOSS_LIMIT" })
            #expect(resting.clientOrderId == stop.clientOrderID && resting.status == "NEW" && resting.side == "SELL")
            #expect(resting.originalQuantity == position && resting.stopPrice == level && resting.price == limit)
            #expect(await Self.posts(exchange, type: "STOP_LOSS_LIMIT").count == 1)
            // More signals and polls place nothing more.
            _ = try await F.postCandles([F.bar(20, "100", "100.5", "99.5", "100")], client: client)
            #expect(await Self.posts(exchange, type: "STOP_LOSS_LIMIT").count == 1)
        }
    }

    @Test("the engine killed with SIGKILL, the price falls through the stop: the exchange sells, and the restart records exactly that one exit")
    func firedWhileTheEngineWasDown() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let exchange = L.exchange()
            try await exchange.withRunning { baseURL in
                await exchange.setTradingPrice(100, of: "BTCUSDT")
                let first = try await EngineProcess.start(database: url, environment: L.environment(baseURL))
                #expect(await first.waitUntilReady(), Comment(rawValue: first.child.output().stdout))
                let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
                _ = try await first.postSignals([buy])
                for _ in 0..<400 where await exchange.orders().first(where: { $0.type == "STOP_LOSS_LIMIT" }) == nil {
                    try await Task.sleep(for: .milliseconds(50))
                }
                first.child.signal(SIGKILL)
                #expect(try await first.child.wait(timeout: .seconds(20)).exitCode == SIGKILL)
                #expect(try await Self.stops(postgres).map(\.status) == ["submitted"])

                // No engine: the market falls to 95.90, below the 96 stop and above its 95.52 limit.
                await exchange.setTradingPrice(F.decimal("95.9"), of: "BTCUSDT")
                let sold = try #require(await exchange.orders().first { $0.type == "STOP_LOSS_LIMIT" })
                #expect(sold.status == "FILLED")
                let sale = try #require(sold.fills.first)

                let second = try await EngineProcess.start(database: url, environment: L.environment(baseURL))
                #expect(await second.waitUntilReady(), Comment(rawValue: second.child.output().stdout))
                do {
                    try await L.waitForFills(2, postgres: postgres)
                    let fills = try await L.fills(postgres)
                    #expect(fills.count == 2)
                    #expect(fills.last?.exchangeFillID == "trade-\(sale.tradeId)" && fills.last?.price == F.decimal("95.9"))
                    #expect(fills.last?.fee == sale.commission, "the commission the exchange charged, in USDT")
                    #expect(try await F.value("SELECT count(*)::int FROM positions WHERE quantity > 0", as: Int.self, postgres: postgres) == 0)
                    #expect(try await Self.stops(postgres).map(\.status) == ["filled"])
                    let entryOrder = try #require(await exchange.orders().first { $0.type == "MARKET" })
                    let entry = try #require(entryOrder.fills.first)
                    let trades = try await postgres.query("SELECT pnl, fees, exit_reason FROM trades", logger: TestDatabase.logger)
                        .collect().map { try $0.decode((Decimal, Decimal, String).self) }
                    #expect(trades.count == 1)
                    let (pnl, fees, reason) = try #require(trades.first)
                    // Cash moved by exactly what the exchange moved: 25 bought at the entry, 24.975 sold at 95.90 less commission.
                    let cash = try await F.value("SELECT cash FROM account_balances ORDER BY id DESC LIMIT 1", as: Decimal.self, postgres: postgres)
                    #expect(cash == 10_000 - 25 * entry.price + sale.quantity * sale.price - sale.commission)
                    #expect(pnl == cash - 10_000, "the round trip is the only change of cash")
                    #expect(fees == entry.commission * entry.price + sale.commission)
                    #expect(reason == "stop_loss")
                    // One sell: the exchange's stop; the engine sent none, and placed no stop for a closed position.
                    #expect(await Self.posts(exchange, type: "MARKET").count == 1, "the entry only: no market order after the restart")
                    #expect(await exchange.orders().filter { $0.side == "SELL" }.count == 1)
                    let finding = try await F.value(
                        "SELECT reason FROM risk_events WHERE kind = 'reconciliation' ORDER BY id LIMIT 1", as: String.self, postgres: postgres)
                    #expect(finding.contains("executed 24.975 while the engine was not listening"), Comment(rawValue: finding))
                    try await CrashRecoveryTests.invariants(postgres)
                }
                try await second.stop()
            }
        }
    }

    @Test("a stop canceled by hand while the engine was down is placed again, under the next attempt's id, before trading resumes")
    func missingStopPlacedAtStart() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let exchange = L.exchange()
            try await exchange.withRunning { baseURL in
                try await L.withEngine(database: url, exchange: baseURL, restingStops: Self.settings()) { client in
                    _ = try await Self.enter(exchange, client: client, postgres: postgres)
                }
                let first = try #require(try await Self.stops(postgres).first)
                _ = try await exchange.cancelOrder(symbol: "BTCUSDT", clientOrderId: first.clientOrderID)
                // The first engine's lock connection may still be closing: the lock is tried again after 200 ms.
                try await L.withEngine(database: url, exchange: baseURL, poll: .milliseconds(200), restingStops: Self.settings()) { _ in
                    let stops = try await Self.stops(postgres)
                    #expect(stops.map(\.status) == ["canceled", "submitted"], "ready means the stop is back")
                    #expect(stops.map(\.clientOrderID) == [first.clientOrderID, "k-exit-1-1"])
                    #expect(stops.last?.quantity == first.quantity && stops.last?.stopPrice == first.stopPrice)
                    let resting = await exchange.orders().filter { $0.type == "STOP_LOSS_LIMIT" && $0.isOpen }
                    #expect(resting.map(\.clientOrderId) == ["k-exit-1-1"])
                    let finding = try await F.value(
                        "SELECT reason FROM risk_events WHERE kind = 'reconciliation' ORDER BY id LIMIT 1", as: String.self, postgres: postgres)
                    #expect(finding.contains("order \(first.clientOrderID): canceled"), Comment(rawValue: finding))
                    #expect(try await F.value("SELECT quantity FROM positions", as: Decimal.self, postgres: postgres) == first.quantity)
                }
            }
        }
    }

    @Test("a sell signal while the stop rests: the stop is canceled first, then one market sell")
    func exitBySignal() async throws {
        try await Self.withEntered { exchange, client, postgres in
            await exchange.clearReceivedRequests()
            let sell = try await F.insertSignal(.sell, bar: 20, postgres: postgres)
            #expect(try await L.decide(sell, client: client, postgres: postgres) == "ordered")
            try await L.waitForFills(2, postgres: postgres)
            let trading = await exchange.receivedRequests().filter { $0.path == "/api/v3/order" && $0.method != "GET" }
            #expect(trading.map(\.method) == ["DELETE", "POST"], "the cancel, then the sell")
            #expect(trading.last?.query.contains("type=MARKET&") == true)
            #expect(try await Self.stops(postgres).map(\.status) == ["canceled"])
            #expect(await exchange.orders().filter { $0.side == "SELL" }.map(\.status) == ["CANCELED", "FILLED"])
            #expect(try await F.value("SELECT count(*)::int FROM positions WHERE quantity > 0", as: Int.self, postgres: postgres) == 0)
            #expect(try await F.value("SELECT count(*)::int FROM trades", as: Int.self, postgres: postgres) == 1)
            try await CrashRecoveryTests.invariants(postgres)
        }
    }

    @Test("the stop fires while the sell signal's cancel is on its way: the cancel finds it filled, and nothing more is sold")
    func stopFiresDuringTheCancel() async throws {
        try await Self.withEntered { exchange, client, postgres in
            // The exchange fills the stop; the engine has not asked about it yet (its follow-ups are minutes apart).
            await exchange.setTradingPrice(F.decimal("95.9"), of: "BTCUSDT")
            let sell = try await F.insertSignal(.sell, bar: 20, postgres: postgres)
            #expect(try await L.decide(sell, client: client, postgres: postgres) == "rejected", "no position left to sell")
            #expect(try await L.fills(postgres).count == 2)
            #expect(try await L.fills(postgres).last?.price == F.decimal("95.9"))
            #expect(await Self.posts(exchange, type: "MARKET").count == 1, "the entry only")
            #expect(await exchange.orders().filter { $0.side == "SELL" }.count == 1)
            #expect(try await Self.stops(postgres).map(\.status) == ["filled"])
            #expect(try await F.value("SELECT exit_reason FROM trades", as: String.self, postgres: postgres) == "stop_loss")
            try await CrashRecoveryTests.invariants(postgres)
        }
    }

    /// `read`: nil, the stop fills at once; n, just before the n-th account read from then — between a comparison's
    /// questions about the orders and its reading of the balances (the first version recorded a shortfall there).
    @Test(
        "the exchange fills the stop while the engine runs: the comparison records the sale first, asking again when it filled mid-comparison, so nothing looks missing or halts",
        arguments: [nil, 1, 2, 3] as [Int?])
    func filledWhileRunning(read: Int?) async throws {
        try await Self.withEntered(reconcile: .milliseconds(200)) { exchange, _, postgres in
            // The engine's own follow-ups are a minute apart here; only the comparison asks about the stop.
            if let read {
                exchange.setTradingPrice(F.decimal("95.9"), of: "BTCUSDT", atAccountRead: read)
            } else {
                await exchange.setTradingPrice(F.decimal("95.9"), of: "BTCUSDT")
            }
            try await L.waitForFills(2, postgres: postgres)
            try await Task.sleep(for: .seconds(1))  // five more comparisons
            #expect(try await Self.stops(postgres).map(\.status) == ["filled"])
            #expect(try await F.value("SELECT status FROM trading_sessions", as: String.self, postgres: postgres) == "active")
            let findings = try await postgres.query(
                "SELECT detail ->> 'difference' FROM risk_events WHERE kind = 'reconciliation'", logger: TestDatabase.logger
            ).collect().map { try $0.decode(String?.self) }
            #expect(findings.isEmpty, "no shortfall, no balance change, no external trade: \(findings)")
            #expect(try await F.value("SELECT exit_reason FROM trades", as: String.self, postgres: postgres) == "stop_loss")
        }
    }

    @Test("the trailing stop is raised by cancel-and-replace, at most once per replace interval", arguments: [0, 3_600])
    func trailingReplace(replaceEvery seconds: Int) async throws {
        try await Self.withEntered(replaceEvery: seconds) { exchange, client, postgres in
            // Highs of 103 and then 105 move the 3-ATR trailing stop to 97, then 99 (the exchange trades at 100).
            _ = try await F.postCandles([F.bar(20, "100", "103", "99.5", "102")], client: client)
            _ = try await F.postCandles([F.bar(21, "102", "105", "101", "104")], client: client)
            let stops = try await Self.stops(postgres)
            let deletes = await exchange.receivedRequests().filter { $0.method == "DELETE" }.count
            if seconds == 0 {
                #expect(stops.map(\.stopPrice) == [96, 97, 99] && deletes == 2)
                #expect(stops.map(\.status) == ["canceled", "canceled", "submitted"])
                #expect(stops.last?.cause == "trailing_stop")
            } else {
                #expect(stops.map(\.stopPrice) == [96, 97] && deletes == 1, "the second raise waits for the interval")
            }
            let resting = await exchange.orders().filter { $0.type == "STOP_LOSS_LIMIT" && $0.isOpen }
            #expect(resting.count == 1, "never two stops at once")
            #expect(resting.first?.stopPrice == stops.last?.stopPrice)
        }
    }
}
