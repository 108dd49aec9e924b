import Foundation
import Hummingbird
import HummingbirdTesting
import KeelsonDomain
import KeelsonMarketData
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import MarketDataService
import PostgresNIO
import Testing

@Suite("keelson-marketdata on a real PostgreSQL")
struct CollectorServiceTests {
    static let goog = try! Symbol(parsing: "GOOG")
    static let btc = try! Symbol(parsing: "BTCUSDT")

    struct Providers: Decodable {
        struct Provider: Decodable {
            var status: String
            var errors: Int
            var unfilled_gaps: [Gap]
            var last_candle_time: Date?
        }
        struct Gap: Decodable { var symbol: String; var from: Date; var to: Date }
        var providers: [Provider]
    }

    static func providers(_ client: some TestClientProtocol) async throws -> Providers {
        try await client.execute(uri: "/api/v1/providers", method: .get) { response in
            try JSONCoding.decoder.decode(Providers.self, from: response.body)
        }
    }

    static func waitFor(_ what: String, attempts: Int = 400, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<attempts {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestSetupError("timed out waiting for \(what)")
    }

    @Test("replaying GOOG.csv stores exactly its 2,148 daily candles with the file's values")
    func replayGOOG() async throws {
        let rows = try SharedReferenceData.googRows()
        let replay = ReplayProvider(
            series: [Self.goog: CandleCSV.candles(rows, exchange: "replay", symbol: Self.goog, interval: .oneDay)], speed: .asFastAsPossible)
        let collector = CollectorConfiguration(
            provider: replay, exchange: "replay", symbols: [Self.goog], interval: .oneDay, batchSize: 500, subscribers: [])
        try await TestDatabase.withFreshDatabase { url in
            let app = try buildMarketDataApplication(configuration: TestConfiguration.service(.marketdata, database: url), collector: collector)
            try await app.test(.router) { client in
                try await Self.waitFor("the replay to finish") { try await Self.providers(client).providers.first?.status == "finished" }
                let stored = try await TestDatabase.withClient(url) { postgres in
                    try await PostgresCandleStore(client: postgres, logger: TestDatabase.logger).candles(
                        exchange: "replay", symbol: Self.goog, interval: .oneDay, before: nil, limit: 10_000)
                }
                #expect(stored.count == 2_148)
                for (candle, row) in zip(stored, rows) {
                    #expect(
                        candle.openTime == row.time && candle.open == row.open && candle.high == row.high && candle.low == row.low
                            && candle.close == row.close && candle.volume == row.volume)
                }
                try await client.execute(uri: "/api/v1/candles/latest?symbol=GOOG&interval=1d", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains(#""close":"806.19""#))
                }
                try await client.execute(uri: "/api/v1/candles?symbol=GOOG&interval=1d&from=2013-02-25&limit=3", method: .get) { response in
                    struct List: Decodable { var candles: [Candle] }
                    let list = try JSONCoding.decoder.decode(List.self, from: response.body)
                    #expect(list.candles.map(\.close) == rows.suffix(3).map(\.close))
                }
            }
        }
    }

    /// Synthetic data with a hole the provider cannot fill, like an exchange that lost some bars.
    struct HoleyProvider: MarketDataProvider {
        let name = "holey"
        let isContinuous = true
        let base = SyntheticProvider(seed: 11)
        let hole: ClosedRange<Date>

        func candles(symbol: Symbol, interval: CandleInterval, from: Date, to: Date) async throws -> [Candle] {
            try await base.candles(symbol: symbol, interval: interval, from: from, to: to).filter { !hole.contains($0.openTime) }
        }

        func liveCandles(symbol: Symbol, interval: CandleInterval, after: Date?) -> AsyncThrowingStream<Candle, any Error> {
            AsyncThrowingStream { $0.finish() }
        }
    }

    @Test("after an outage the missing candles are backfilled; a hole the provider cannot fill is reported")
    func gapsAfterOutage() async throws {
        let now = Date.now
        let minute = { (offset: Int) in Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60 + Double(offset * 60)) }
        let hole = minute(-100)...minute(-96)
        let configuration = CollectorConfiguration(
            provider: HoleyProvider(hole: hole), exchange: "synthetic", symbols: [Self.btc], interval: .oneMinute, backfillWindow: 3 * 3_600,
            subscribers: [])
        try await TestDatabase.withMigratedDatabase { url, postgres in
            do {
                let store = PostgresCandleStore(client: postgres, logger: TestDatabase.logger)
                // Before the outage the collector had stored three hours up to 150 minutes ago.
                let before = try await SyntheticProvider(seed: 11).candles(
                    symbol: Self.btc, interval: .oneMinute, from: minute(-330), to: minute(-150))
                try await store.upsert(before)
                // ...and some of those rows were lost (a restore from an older backup, say).
                try await postgres.query("DELETE FROM candles WHERE open_time >= \(minute(-250)) AND open_time < \(minute(-240))")

                let app = try buildMarketDataApplication(
                    configuration: TestConfiguration.service(.marketdata, database: url), collector: configuration)
                try await app.test(.router) { client in
                    try await Self.waitFor("the backfill") { try await Self.providers(client).providers.first?.status == "finished" }
                    let providers = try await Self.providers(client)
                    #expect(providers.providers.first?.unfilled_gaps.count == 1)
                    #expect(providers.providers.first?.unfilled_gaps.first?.from == hole.lowerBound)
                }
                let gaps = try await store.gaps(exchange: "synthetic", symbol: Self.btc, interval: .oneMinute, since: minute(-330))
                #expect(gaps.count == 1)
                #expect(gaps.first?.from == hole.lowerBound && gaps.first?.to == minute(-95))
                let stored = try await store.candles(exchange: "synthetic", symbol: Self.btc, interval: .oneMinute, before: nil, limit: 10_000)
                // The backfill runs up to the moment it starts, which may be a minute boundary after `now`.
                let newest = try #require(stored.last?.openTime)
                #expect(newest >= minute(-2))
                let expected = try await SyntheticProvider(seed: 11).candles(
                    symbol: Self.btc, interval: .oneMinute, from: minute(-330), to: newest.addingTimeInterval(60)
                )
                .filter { !hole.contains($0.openTime) }
                #expect(stored == expected)
            }
        }
    }

    actor Subscriber {
        var down = true
        var received: [Date] = []
        func accept(_ candles: [Candle]) -> Bool {
            guard !down else { return false }
            received += candles.map(\.openTime)
            return true
        }
        func comeBack() { down = false }
    }

    @Test("a subscriber that was down receives everything once it is back, nothing twice; a dead one blocks nobody")
    func subscriberDownThenBack() async throws {
        let candles = try await SyntheticProvider(seed: 9).candles(
            symbol: Self.btc, interval: .oneMinute, from: Date(timeIntervalSince1970: 1_709_251_200),
            to: Date(timeIntervalSince1970: 1_709_251_200 + 300 * 60))
        let subscriber = Subscriber()
        let router = Router()
        router.post("internal/v1/candles") { request, context -> HTTPResponse.Status in
            struct Batch: Decodable { var candles: [Candle] }
            let batch = try await request.decode(as: Batch.self, context: context)
            return await subscriber.accept(batch.candles) ? .ok : .serviceUnavailable
        }
        let fake = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await fake.test(.live) { fakeClient in
            let port = try #require(fakeClient.port)
            try await TestDatabase.withFreshDatabase { url in
                var configuration = try TestConfiguration.service(.marketdata, database: url)
                configuration.serviceURLs[.signals] = "http://127.0.0.1:\(port)"
                configuration.serviceURLs[.engine] = "http://127.0.0.1:\(FreePort.next())"
                let collector = CollectorConfiguration(
                    provider: ReplayProvider(series: [Self.btc: candles], speed: .asFastAsPossible), exchange: "synthetic",
                    symbols: [Self.btc], interval: .oneMinute, batchSize: 50, subscribers: [.signals, .engine]
                )
                let app = try buildMarketDataApplication(configuration: configuration, collector: collector)
                try await app.test(.router) { client in
                    try await Self.waitFor("collection") { try await Self.providers(client).providers.first?.status == "finished" }
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(await subscriber.received.isEmpty)
                    await subscriber.comeBack()
                    try await Self.waitFor("delivery", attempts: 800) { Set(await subscriber.received).count >= candles.count }
                    // Delivery is at least once: a batch whose answer was lost (a push timing out on a loaded machine)
                    // is sent again, and receivers deduplicate by natural key. In order, each candle once, apart from
                    // such whole repeated batches.
                    let received = await subscriber.received
                    var seen = Set<Date>()
                    let firstDeliveries = received.filter { seen.insert($0).inserted }
                    #expect(firstDeliveries == candles.map(\.openTime))
                    #expect((received.count - firstDeliveries.count) % 50 == 0, "only whole batches are repeated")

                    // The catch-up endpoint serves what follows a given candle.
                    let auth: HTTPFields = [.authorization: "Bearer \(TestConfiguration.tokens[0])"]
                    try await client.execute(
                        uri:
                            "/internal/v1/candles/since?symbol=BTCUSDT&interval=1m&exchange=synthetic&after=\(candles[289].openTime.epochMilliseconds)",
                        method: .get, headers: auth
                    ) { response in
                        struct List: Decodable { var candles: [Candle] }
                        let list = try JSONCoding.decoder.decode(List.self, from: response.body)
                        #expect(list.candles == Array(candles[290...]))
                    }
                }
            }
        }
    }

    @Test("bad query parameters get a 400 that says what is allowed")
    func badParameters() async throws {
        let collector = CollectorConfiguration(
            provider: ReplayProvider(series: [Self.btc: []], speed: .asFastAsPossible), exchange: "replay", symbols: [Self.btc], interval: .oneMinute,
            subscribers: [])
        try await TestDatabase.withFreshDatabase { url in
            let app = try buildMarketDataApplication(configuration: TestConfiguration.service(.marketdata, database: url), collector: collector)
            try await app.test(.router) { client in
                try await client.waitUntilReady()
                for (query, expected) in [
                    ("/api/v1/candles?interval=1m", "symbol is required"),
                    ("/api/v1/candles?symbol=btc", "symbol: symbol 'btc' is not valid"),
                    ("/api/v1/candles?symbol=BTCUSDT&interval=7m", "interval: interval '7m' is not valid; expected one of 1m"),
                    ("/api/v1/candles?symbol=BTCUSDT&limit=100000", "limit=100000 is not allowed; expected a whole number from 1 to 5000"),
                    ("/api/v1/candles?symbol=BTCUSDT&from=2024-02-01&to=2024-01-01", "from must be before to"),
                    ("/api/v1/candles?symbol=BTCUSDT&from=soon", "from=soon is not a time"),
                ] {
                    try await client.execute(uri: query, method: .get) { response in
                        #expect(response.status == .badRequest, Comment(rawValue: query))
                        let body = try JSONDecoder().decode(APIError.Body.self, from: response.body)
                        #expect(body.detail.hasPrefix(expected), Comment(rawValue: body.detail))
                    }
                }
                try await client.execute(uri: "/api/v1/candles/latest?symbol=ETHUSDT", method: .get) { response in
                    #expect(response.status == .notFound)
                }
            }
        }
    }
}
