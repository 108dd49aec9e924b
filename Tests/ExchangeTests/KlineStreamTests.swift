import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonFakeExchange
import Testing

@Suite("Kline WebSocket streams from the fake exchange")
struct KlineStreamTests {
    static func streamURL(_ baseURL: String) -> String {
        baseURL.replacingOccurrences(of: "http://", with: "ws://")
    }

    @Test("updates while the bar forms (x false), then the closed bar (x true) equal to the REST kline")
    func formingThenClosed() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let stream = BinanceKlineStreamClient(baseURL: Self.streamURL(baseURL))
            var events = stream.events(streams: [BinanceKlineEvent.streamName(symbol: "BTCUSDT", interval: .oneMinute)]).makeAsyncIterator()
            #expect(await exchange.waitForStreamConnections(1))

            await exchange.advanceMarket(by: 10)
            let forming = try #require(try await events.next())
            #expect(!forming.isClosed && forming.symbol == "BTCUSDT" && forming.interval == "1m" && forming.stream == nil)
            #expect(forming.openTime == Date(timeIntervalSince1970: 1_712_188_800))

            await exchange.closeCurrentBar()
            let closed = try #require(try await events.next())
            #expect(closed.isClosed && closed.openTime == forming.openTime)
            let next = try #require(try await events.next())
            #expect(!next.isClosed && next.openTime == forming.openTime.addingTimeInterval(60))

            let client = FakeExchangeHarness.client(baseURL, http, credentials: nil)
            let rest = try #require(try await client.klines(symbol: "BTCUSDT", interval: "1m", startTime: closed.openTime, limit: 1).first)
            #expect(
                closed.candle(symbol: try Symbol(parsing: "BTCUSDT"), interval: .oneMinute)
                    == rest.candle(symbol: try Symbol(parsing: "BTCUSDT"), interval: .oneMinute))
            #expect(closed.numberOfTrades == rest.numberOfTrades && closed.quoteVolume == rest.quoteVolume)
        }
    }

    @Test("a combined stream wraps each message with its stream name; a jump closes every bar in between")
    func combinedStream() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, _ in
            let names = ["btcusdt@kline_1m", "ethusdt@kline_5m"]
            var events = BinanceKlineStreamClient(baseURL: Self.streamURL(baseURL)).events(streams: names).makeAsyncIterator()
            #expect(await exchange.waitForStreamConnections(1))
            await exchange.advanceMarket(by: 300)
            var received: [BinanceKlineEvent] = []
            // 1m: five closed bars and the forming one; 5m: the closed bar and the forming one.
            for _ in 0..<8 { received.append(try #require(try await events.next())) }
            #expect(received.filter { $0.stream == "btcusdt@kline_1m" }.map(\.isClosed) == [true, true, true, true, true, false])
            #expect(received.filter { $0.stream == "ethusdt@kline_5m" }.map(\.isClosed) == [true, false])
            #expect(received.filter { $0.stream == "ethusdt@kline_5m" }.allSatisfy { $0.symbol == "ETHUSDT" && $0.interval == "5m" })
        }
    }

    @Test("the 24-hour close ends the stream cleanly; a cut connection ends it too; reconnecting works")
    func disconnects() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, _ in
            let client = BinanceKlineStreamClient(baseURL: Self.streamURL(baseURL))
            let name = BinanceKlineEvent.streamName(symbol: "BTCUSDT", interval: .oneMinute)
            var events = client.events(streams: [name]).makeAsyncIterator()
            #expect(await exchange.waitForStreamConnections(1))
            await exchange.endStreamConnectionsAfter24Hours()
            let afterClose = try await events.next()
            #expect(afterClose == nil)
            // Otherwise the closed connection, not yet torn down, counts as the new one and the cut below misses it.
            #expect(await exchange.waitForNoStreamConnections())

            var again = client.events(streams: [name]).makeAsyncIterator()
            #expect(await exchange.waitForStreamConnections(1))
            await exchange.cutStreamConnections()
            do {
                #expect(try await again.next() == nil)
            } catch {
                // An abrupt cut may surface as an error instead of an end: either tells the caller to reconnect.
            }
            #expect(await exchange.streamConnectionCount() == 0)
        }
    }

    @Test("on a real-time clock the exchange pushes the forming bar by itself")
    func realTimeUpdates() async throws {
        let configuration = FakeExchangeHarness.configuration {
            $0.clock = .realTime
            $0.streamUpdateInterval = .milliseconds(100)
        }
        try await FakeExchangeHarness.run(configuration) { exchange, baseURL, _ in
            var events = BinanceKlineStreamClient(baseURL: Self.streamURL(baseURL)).events(streams: ["btcusdt@kline_1m"]).makeAsyncIterator()
            #expect(await exchange.waitForStreamConnections(1))
            let update = try #require(try await events.next())
            #expect(update.symbol == "BTCUSDT")
            #expect(abs(update.eventTime.timeIntervalSinceNow) < 60)
        }
    }
}
