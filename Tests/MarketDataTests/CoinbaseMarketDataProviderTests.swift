import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonFakeExchange
import KeelsonMarketData
import Testing

@Suite("CoinbaseMarketDataProvider against the fake exchange")
struct CoinbaseMarketDataProviderTests {
    static let btc = FakeExchangeFixture.btc

    @Test("symbols map to Coinbase products: USDT quotes to USD by default, explicit entries win, bad entries are named")
    func productMap() throws {
        let defaults = CoinbaseProductMap()
        #expect(defaults.productID(for: try Symbol(parsing: "BTCUSDT")) == "BTC-USD")
        #expect(defaults.productID(for: try Symbol(parsing: "ETHUSDC")) == "ETH-USDC")
        #expect(defaults.productID(for: try Symbol(parsing: "SOLUSD")) == "SOL-USD")
        #expect(defaults.productID(for: try Symbol(parsing: "ETHBTC")) == "ETH-BTC")
        #expect(defaults.productID(for: try Symbol(parsing: "BTCTRY")) == nil)
        let explicit = try CoinbaseProductMap.parse("BTCUSDT=BTC-USDT, BTCTRY=BTC-TRY").get()
        #expect(explicit.productID(for: try Symbol(parsing: "BTCUSDT")) == "BTC-USDT")
        #expect(explicit.productID(for: try Symbol(parsing: "BTCTRY")) == "BTC-TRY")
        #expect(explicit.productID(for: try Symbol(parsing: "ETHUSDT")) == "ETH-USD")
        #expect(CoinbaseProductMap.parse("BTCUSDT=BTCUSD") == .failure(.init(entry: "BTCUSDT=BTCUSD")))
    }

    @Test("live candles are polled once each bar has closed, each exactly once, with the closed bar's values")
    func pollsClosedCandles() async throws {
        try await FakeExchangeFixture.run { fake in
            let provider = fake.coinbase()
            let first = fake.minute(-1)
            let received = Received<Candle>()
            let task = Task {
                for try await candle in provider.liveCandles(symbol: Self.btc, interval: .oneMinute, after: fake.minute(-2)) {
                    await received.append(candle)
                }
            }
            defer { task.cancel() }
            #expect(try await received.waitFor(1).map(\.openTime) == [first])
            await fake.exchange.advanceMarket(by: 20)
            await fake.exchange.advanceMarket(by: 20)
            await fake.exchange.advanceMarket(by: 20)
            _ = try await received.waitFor(2)
            await fake.exchange.advanceMarket(by: 90)
            let candles = try await received.waitFor(4)

            let expected = try await provider.candles(symbol: Self.btc, interval: .oneMinute, from: first, to: first.addingTimeInterval(240))
            #expect(candles == expected)
            #expect(candles.map(\.openTime) == (0..<4).map { first.addingTimeInterval(Double($0) * 60) })
            #expect(candles.allSatisfy { $0.exchange == "coinbase" && $0.symbol == Self.btc })
            await fake.exchange.advanceMarket(by: 60)
            #expect(try await received.waitFor(5).last?.openTime == first.addingTimeInterval(240))
        }
    }

    @Test("an interval Coinbase lacks is refused by name")
    func unsupportedInterval() async throws {
        try await FakeExchangeFixture.run { fake in
            await #expect(throws: MarketDataError.self) {
                try await fake.coinbase().candles(symbol: Self.btc, interval: .fourHours, from: fake.minute(-600), to: fake.minute(0))
            }
        }
    }
}
