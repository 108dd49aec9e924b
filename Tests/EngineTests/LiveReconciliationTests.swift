import Foundation
import KeelsonExchanges
import KeelsonTestSupport
import PostgresNIO
import Testing

@Suite("Live: the exchange's own rules for sizing, and the account compared with the books while trading")
struct LiveReconciliationTests {
    typealias F = EngineFixture
    typealias L = LiveFixture

    static func waitFor(_ sql: String, toBe expected: Int, postgres: PostgresClient) async throws -> Int {
        var value = -1
        for _ in 0..<200 {
            value = try await F.value(PostgresQuery(unsafeSQL: sql), as: Int.self, postgres: postgres)
            if value == expected { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return value
    }

    @Test("an order placed by hand is found within an interval and told once; BTC sold by hand halts entries, and both are notified")
    func continuous() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let exchange = L.exchange()
            try await exchange.withRunning { baseURL in
                try await L.withEngine(database: url, exchange: baseURL, reconcile: .milliseconds(200)) { client in
                    let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
                    #expect(try await L.decide(buy, client: client, postgres: postgres) == "ordered")
                    try await L.waitForFills(1, postgres: postgres)
                    let findings = "SELECT count(*)::int FROM risk_events WHERE kind = 'reconciliation'"
                    #expect(try await F.value(PostgresQuery(unsafeSQL: findings), as: Int.self, postgres: postgres) == 0, "in sync after the fill")

                    _ = try await exchange.executeOrder(
                        symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: 1, price: 50, clientOrderId: "by-hand-1")
                    let byHand = "SELECT count(*)::int FROM risk_events WHERE kind = 'reconciliation' AND detail ->> 'subject' = 'by-hand-1'"
                    #expect(try await Self.waitFor(byHand, toBe: 1, postgres: postgres) == 1)
                    try await Task.sleep(for: .seconds(1))  // five more comparisons
                    #expect(
                        try await F.value(PostgresQuery(unsafeSQL: byHand), as: Int.self, postgres: postgres) == 1,
                        "a difference that persists is recorded once")
                    #expect(try await F.value("SELECT status FROM trading_sessions", as: String.self, postgres: postgres) == "active")

                    await exchange.setBalance(asset: "BTC", free: 10)
                    let halted = "SELECT count(*)::int FROM trading_sessions WHERE status = 'halted'"
                    #expect(try await Self.waitFor(halted, toBe: 1, postgres: postgres) == 1)
                    let reason = try await F.value("SELECT status_reason FROM trading_sessions", as: String.self, postgres: postgres)
                    #expect(reason.hasPrefix("reconciliation: the account holds 10 BTC"), Comment(rawValue: reason))
                    let told = try await postgres.query("SELECT summary FROM notification_outbox WHERE event = 'reconciliation' ORDER BY id")
                        .collect()
                        .map { try $0.decode(String.self) }
                    // The order, the shortfall, the BTC balance's fall (15.975 of 25.975), the halt.
                    #expect(told.count == 4, Comment(rawValue: "\(told)"))
                    #expect(told.first?.contains("by-hand-1") == true)
                }
            }
        }
    }

    static func findings(_ kind: String, postgres: PostgresClient) async throws -> [String] {
        try await postgres.query(
            "SELECT reason FROM risk_events WHERE kind = 'reconciliation' AND detail ->> 'difference' = \(kind) ORDER BY id", logger: TestDatabase.logger
        ).collect().map { try $0.decode(String.self) }
    }

    static func waitForFinding(_ kind: String, postgres: PostgresClient) async throws -> [String] {
        for _ in 0..<200 {
            let found = try await findings(kind, postgres: postgres)
            if !found.isEmpty { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
        return []
    }

    @Test(
        "a trade made by hand is an external finding within an interval and halts entries when it leaves a shortfall; a balance moved above the threshold is told; Keelson's own trades and small moves are not"
    )
    func externalTradesAndBalanceChanges() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let exchange = L.exchange()
            try await exchange.withRunning { baseURL in
                try await L.withEngine(database: url, exchange: baseURL, reconcile: .milliseconds(200)) { client in
                    let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
                    #expect(try await L.decide(buy, client: client, postgres: postgres) == "ordered")
                    try await L.waitForFills(1, postgres: postgres)
                    // A 1 % deposit is below the 5 % threshold; Keelson's buy moved USDT and BTC with the books.
                    let usdt = try #require(await exchange.balances().first { $0.asset == "USDT" })
                    await exchange.setBalance(asset: "USDT", free: usdt.free + 1_000)
                    try await Task.sleep(for: .seconds(1))  // five comparisons
                    let all = "SELECT count(*)::int FROM risk_events WHERE kind = 'reconciliation'"
                    #expect(try await F.value(PostgresQuery(unsafeSQL: all), as: Int.self, postgres: postgres) == 0, "nothing to tell")

                    // A withdrawal of about 60 % of the USDT, the books' 7,500 still covered: told, not halted.
                    await exchange.setBalance(asset: "USDT", free: 40_000)
                    let moved = try await Self.waitForFinding("balance_change", postgres: postgres)
                    #expect(moved.count == 1)
                    let withdrawn = usdt.free + 1_000 - 40_000
                    #expect(moved.first?.hasPrefix("the account's USDT fell by \(withdrawn) (") == true, Comment(rawValue: "\(moved)"))
                    #expect(try await F.value("SELECT status FROM trading_sessions", as: String.self, postgres: postgres) == "active")

                    // 5 BTC sold by hand: one external trade naming its order, BTC's fall, and a shortfall that halts.
                    let sold = try await exchange.executeOrder(symbol: "BTCUSDT", side: "SELL", quantity: 5, clientOrderId: "by-hand-sell")
                    let external = try await Self.waitForFinding("external_trade", postgres: postgres)
                    let trade = try #require(sold.fills.first)
                    #expect(external.count == 1)
                    #expect(
                        external.first
                            == "a SELL of 5 BTCUSDT at \(trade.price) (trade \(trade.tradeId), order by-hand-sell, commission \(trade.commission) USDT) "
                            + "was made outside Keelson; the books do not include it", Comment(rawValue: "\(external)"))
                    let halted = "SELECT count(*)::int FROM trading_sessions WHERE status = 'halted'"
                    #expect(try await Self.waitFor(halted, toBe: 1, postgres: postgres) == 1)
                    #expect(try await Self.findings("balance_change", postgres: postgres).count == 2)
                    try await Task.sleep(for: .seconds(1))
                    #expect(try await Self.findings("external_trade", postgres: postgres).count == 1, "a trade is told once")
                    #expect(
                        try await F.value(
                            "SELECT count(*)::int FROM notification_outbox WHERE event = 'reconciliation' AND summary LIKE '%by-hand-sell%'",
                            as: Int.self, postgres: postgres) == 1)
                }
            }
        }
    }

    @Test("an entry is sized by the exchange's filters, not the defaults: a 0.3 lot step makes 25 units 24.9 before the order is written")
    func sizedByExchangeFilters() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let exchange = L.exchange {
                $0.stepSize = Decimal(string: "0.3")!
                $0.minQty = Decimal(string: "0.3")!
            }
            try await exchange.withRunning { baseURL in
                try await L.withEngine(database: url, exchange: baseURL) { client in
                    let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
                    #expect(try await L.decide(buy, client: client, postgres: postgres) == "ordered")
                    #expect(try await F.value("SELECT quantity FROM orders", as: Decimal.self, postgres: postgres) == Decimal(string: "24.9")!)
                    try await L.waitForFills(1, postgres: postgres)
                    let placed = try #require(await exchange.orders().last)
                    #expect(placed.originalQuantity == Decimal(string: "24.9")!, "sent as sized: nothing for the exchange to round or refuse")
                }
            }
        }
    }
}

@Suite("Balance moves outside Keelson: the surplus over the books, against a threshold")
struct BalanceChangeWatchTests {
    static func balance(_ asset: String, total: Decimal, books: Decimal?) -> AccountComparison.Balance {
        AccountComparison.Balance(asset: asset, free: total, locked: 0, books: books)
    }

    @Test("the first comparison is the baseline; Keelson's trades move account and books together; a move above 5 % is told, signed")
    func moves() {
        var watch = BalanceChangeWatch(threshold: Decimal(string: "0.05")!)
        #expect(watch.changes(in: [Self.balance("USDT", total: 100_000, books: 10_000)]).isEmpty, "baseline")
        #expect(watch.changes(in: [Self.balance("USDT", total: 97_500, books: 7_500)]).isEmpty, "a buy of 2,500")
        #expect(watch.changes(in: [Self.balance("USDT", total: 100_000, books: 7_500)]).isEmpty, "2,500 is 2.6 % of 97,500")
        let withdrawal = watch.changes(in: [Self.balance("USDT", total: 80_000, books: 7_500), Self.balance("BNB", total: 1, books: nil)])
        #expect(withdrawal.map(\.kind) == [.balanceChange])
        #expect(withdrawal.first?.subject == "USDT -20000")
        #expect(
            withdrawal.first?.detail
                == "the account's USDT fell by 20000 (20 % of the 100000 held before) beyond what Keelson's trades explain since the last comparison; it holds 80000 USDT, the books need 7500"
        )
        #expect(watch.changes(in: [Self.balance("USDT", total: 80_000, books: 7_500)]).isEmpty, "told once")
        #expect(watch.changes(in: [Self.balance("ETH", total: 0, books: 0)]).isEmpty)
        #expect(watch.changes(in: [Self.balance("ETH", total: 2, books: 0)]).first?.subject == "ETH +2", "anything into an empty balance")
    }
}
