import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonFakeExchange
import Testing

@Suite("Coinbase candles against the fake exchange")
struct CoinbaseCandlesTests {
    @Test("a long range is paged at ≤ 350 candles and returned oldest first, the same prices as Binance's series")
    func pagingOldestFirst() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let coinbase = CoinbaseCandlesClient(baseURL: baseURL, httpClient: http, access: ExchangeAccess(exchange: "coinbase-test"))
            let symbol = try Symbol(parsing: "BTC-USD")
            let to = Date(timeIntervalSince1970: 1_712_188_800)
            let from = to.addingTimeInterval(-800 * 60)
            let candles = try await coinbase.candles(productID: "BTC-USD", symbol: symbol, interval: .oneMinute, from: from, to: to)
            #expect(candles.count == 800)
            #expect(candles.first?.openTime == from)
            #expect(candles.last?.openTime == to.addingTimeInterval(-60))
            #expect(zip(candles, candles.dropFirst()).allSatisfy { $1.openTime.timeIntervalSince($0.openTime) == 60 })
            #expect(candles.allSatisfy { $0.exchange == "coinbase" && $0.symbol == symbol && $0.interval == .oneMinute })
            let pages = await exchange.receivedRequests().filter { $0.path.hasSuffix("/candles") }
            #expect(pages.count == 3)
            #expect(pages.allSatisfy { $0.query.contains("granularity=ONE_MINUTE") })

            let binance = FakeExchangeHarness.client(baseURL, http, credentials: nil)
            let klines = try await binance.klines(symbol: "BTCUSDT", interval: .oneMinute, from: from, to: to)
            #expect(candles.map(\.close) == klines.map(\.close))
            #expect(candles.map(\.openTime) == klines.map(\.openTime))

            let hours = try await coinbase.candles(
                productID: "BTC-USD", symbol: symbol, interval: .oneHour, from: to.addingTimeInterval(-86_400), to: to)
            #expect(hours.count == 24)
        }
    }

    @Test("granularities Coinbase lacks, unknown products and outages are typed errors")
    func errors() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let coinbase = CoinbaseCandlesClient(baseURL: baseURL, httpClient: http, access: ExchangeAccess(exchange: "coinbase-errors"))
            let symbol = try Symbol(parsing: "BTC-USD")
            let to = Date(timeIntervalSince1970: 1_712_188_800)
            #expect(CoinbaseCandlesClient.granularity(.fourHours) == nil)
            await #expect(throws: CoinbaseError.unsupportedInterval("4h")) {
                _ = try await coinbase.candles(
                    productID: "BTC-USD", symbol: symbol, interval: .fourHours, from: to.addingTimeInterval(-86_400), to: to)
            }
            await #expect(throws: CoinbaseError.api(status: 404, error: "NOT_FOUND", message: "ProductID is invalid")) {
                _ = try await coinbase.candles(productID: "DOGE-EUR", symbol: symbol, interval: .oneMinute, from: to.addingTimeInterval(-600), to: to)
            }
            await exchange.failMarketData(.coinbase)
            await #expect(throws: CoinbaseError.unavailable(detail: "HTTP 503")) {
                _ = try await coinbase.candles(productID: "BTC-USD", symbol: symbol, interval: .oneMinute, from: to.addingTimeInterval(-600), to: to)
            }
            // Binance keeps serving while Coinbase is down: what a failover relies on.
            let binance = FakeExchangeHarness.client(baseURL, http, credentials: nil)
            #expect(try await binance.klines(symbol: "BTCUSDT", interval: "1m", limit: 2).count == 2)
        }
    }
}
