import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonFakeExchange
import KeelsonMarketData
import Testing

@Suite("BinanceMarketDataProvider against the fake exchange over HTTP and WebSocket")
struct BinanceMarketDataProviderTests {
    static let btc = FakeExchangeFixture.btc

    /// Reads the live candles in the background until the test ends.
    static func follow(_ stream: AsyncThrowingStream<Candle, any Error>) -> (Received<Candle>, Task<Void, any Error>) {
        let received = Received<Candle>()
        let task = Task {
            for try await candle in stream { await received.append(candle) }
        }
        return (received, task)
    }

    static func klineRequests(_ exchange: FakeExchange) async -> [FakeRecordedRequest] {
        await exchange.receivedRequests().filter { $0.path == "/api/v3/klines" }
    }

    @Test("a backfill pages 1000 klines a request by start time and matches the exchange's series exactly, without the forming bar")
    func backfillPaging() async throws {
        try await FakeExchangeFixture.run { fake in
            let provider = fake.binance()
            let from = fake.minute(-2_500)
            let candles = try await provider.candles(symbol: Self.btc, interval: .oneMinute, from: from, to: fake.minute(10))

            #expect(candles.count == 2_500)
            #expect(candles.first?.openTime == from && candles.last?.openTime == fake.minute(-1))
            #expect(zip(candles, candles.dropFirst()).allSatisfy { $1.openTime.timeIntervalSince($0.openTime) == 60 })
            #expect(candles.allSatisfy { $0.exchange == "binance" && $0.symbol == Self.btc && $0.interval == .oneMinute })
            let requests = await Self.klineRequests(fake.exchange)
            #expect(requests.count == 3)
            #expect(requests.allSatisfy { $0.query.contains("limit=1000") && $0.status == 200 })
            let startTimes = requests.compactMap { URLComponents(string: "?" + $0.query)?.queryItems?.first { $0.name == "startTime" }?.value }
            #expect(startTimes == [from, from.addingTimeInterval(60_000), from.addingTimeInterval(120_000)].map { String($0.epochMilliseconds) })

            // The same bars through another endpoint and another pager: Coinbase's candles of the fake's series.
            let coinbase = try await fake.coinbase().candles(symbol: Self.btc, interval: .oneMinute, from: from, to: fake.minute(10))
            #expect(
                candles.map {
                    Candle(
                        exchange: "coinbase", symbol: $0.symbol, interval: $0.interval, openTime: $0.openTime, open: $0.open, high: $0.high,
                        low: $0.low, close: $0.close, volume: $0.volume)
                } == coinbase)
        }
    }

    @Test("only closed klines (x: true) become candles, with the closed bar's final values")
    func onlyClosedKlines() async throws {
        try await FakeExchangeFixture.run { fake in
            let provider = fake.binance()
            let first = fake.minute(0)
            let (received, task) = Self.follow(provider.liveCandles(symbol: Self.btc, interval: .oneMinute, after: fake.minute(-1)))
            defer { task.cancel() }
            #expect(await fake.exchange.waitForStreamConnections(1))

            // Two updates of the forming bar (x: false), then its close (x: true) and the next forming bar.
            await fake.exchange.advanceMarket(by: 10)
            await fake.exchange.advanceMarket(by: 10)
            await fake.exchange.closeCurrentBar()
            await fake.exchange.advanceMarket(by: 60)
            let candles = try await received.waitFor(2)

            #expect(candles.map(\.openTime) == [first, first.addingTimeInterval(60)])
            #expect(candles == (try await fake.binanceSeries(from: first, to: first.addingTimeInterval(120))))
            // A third candle can only be the next bar: nothing was yielded twice or out of order.
            await fake.exchange.advanceMarket(by: 60)
            #expect(try await received.waitFor(3).last?.openTime == first.addingTimeInterval(120))
        }
    }

    enum Disconnect: String, CaseIterable { case cut, endOf24Hours }

    @Test(
        "after a disconnect the stream reconnects and the gap is backfilled over REST: no missing and no duplicate candle",
        arguments: Disconnect.allCases)
    func reconnectFillsTheGap(_ disconnect: Disconnect) async throws {
        try await FakeExchangeFixture.run { fake in
            let provider = fake.binance()
            let after = fake.minute(-5)
            let (received, task) = Self.follow(provider.liveCandles(symbol: Self.btc, interval: .oneMinute, after: after))
            defer { task.cancel() }

            // On connecting it fills what closed since `after` (four bars), then the stream brings two more.
            #expect(try await received.waitFor(4).map(\.openTime) == (1...4).map { after.addingTimeInterval(Double($0) * 60) })
            #expect(await fake.exchange.waitForStreamConnections(1))
            await fake.exchange.advanceMarket(by: 120)
            _ = try await received.waitFor(6)

            switch disconnect {
            case .cut: await fake.exchange.cutStreamConnections()
            case .endOf24Hours: await fake.exchange.endStreamConnectionsAfter24Hours()
            }
            let beforeGap = await Self.klineRequests(fake.exchange).count
            // Three bars close while nobody is subscribed: no stream sends them again.
            await fake.exchange.advanceMarket(by: 180)
            _ = try await received.waitFor(9)
            #expect(await Self.klineRequests(fake.exchange).count > beforeGap)

            #expect(await fake.exchange.waitForStreamConnections(1))
            await fake.exchange.advanceMarket(by: 60)
            let candles = try await received.waitFor(10)
            #expect(candles == (try await fake.binanceSeries(from: after.addingTimeInterval(60), to: after.addingTimeInterval(660))))
            await fake.exchange.advanceMarket(by: 60)
            #expect(try await received.waitFor(11).last?.openTime == after.addingTimeInterval(660))
        }
    }

    @Test("a 429 during a backfill waits the Retry-After and sends the page again")
    func rateLimitedBackfill() async throws {
        try await FakeExchangeFixture.run { fake in
            let provider = fake.binance()
            let from = fake.minute(-1_500)
            // exchangeInfo is fetched (and cached) first, so the 429 lands on a klines page.
            _ = try await provider.candles(symbol: Self.btc, interval: .oneMinute, from: fake.minute(-2), to: fake.minute(0))
            await fake.exchange.clearReceivedRequests()
            await fake.exchange.rateLimitNextRequests(1, retryAfter: 1)

            let candles = try await provider.candles(symbol: Self.btc, interval: .oneMinute, from: from, to: fake.minute(0))

            let requests = await Self.klineRequests(fake.exchange)
            #expect(candles == (try await fake.binanceSeries(from: from, to: fake.minute(0))))
            #expect(requests.map(\.status) == [429, 200, 200])
            #expect(requests[0].query == requests[1].query)
            // A lower bound only: the page was not sent again before the Retry-After had passed.
            #expect(requests[1].time.timeIntervalSince(requests[0].time) >= 1)
        }
    }

    @Test("a symbol the exchange does not list is refused by name, without reconnecting for ever")
    func unknownSymbol() async throws {
        try await FakeExchangeFixture.run { fake in
            let provider = fake.binance()
            let dogeusdt = try Symbol(parsing: "DOGEUSDT")
            await #expect(throws: MarketDataError.unknownSymbol(provider: "binance", symbol: "DOGEUSDT", available: [])) {
                try await provider.candles(symbol: dogeusdt, interval: .oneMinute, from: fake.minute(-10), to: fake.minute(0))
            }
            await #expect(throws: MarketDataError.self) {
                for try await _ in provider.liveCandles(symbol: dogeusdt, interval: .oneMinute, after: fake.minute(-10)) {}
            }
        }
    }

    @Test("reconnect waits grow exponentially, stay under the cap and are jittered within the upper half")
    func backoff() {
        let backoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(1))
        #expect(backoff.delay(attempt: 1, unitRandom: 1) == .milliseconds(100))
        #expect(backoff.delay(attempt: 1, unitRandom: 0) == .milliseconds(50))
        #expect(backoff.delay(attempt: 3, unitRandom: 1) == .milliseconds(400))
        #expect(backoff.delay(attempt: 50, unitRandom: 1) == .seconds(1))
        #expect(backoff.delay(attempt: 50, unitRandom: 0) == .milliseconds(500))
    }
}
