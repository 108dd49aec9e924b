import Foundation
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
                    #expect(told.count == 3, Comment(rawValue: "\(told)"))  // the order, the shortfall, the halt
                    #expect(told.first?.contains("by-hand-1") == true)
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
