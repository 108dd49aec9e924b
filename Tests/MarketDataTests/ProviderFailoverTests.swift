import Foundation
import Hummingbird
import HummingbirdTesting
import KeelsonDomain
import KeelsonExchanges
import KeelsonFakeExchange
import KeelsonServiceKit
import KeelsonTestSupport
import MarketDataService
import PostgresNIO
import Testing

@Suite("keelson-marketdata fails over from Binance to Coinbase and back, on a real PostgreSQL and the fake exchange")
struct ProviderFailoverTests {
    static let btc = FakeExchangeFixture.btc

    struct Providers: Decodable {
        struct Provider: Decodable {
            var provider: String
            var role: String
            var exchange: String
            var status: String
            var active: Bool
            var active_symbols: [String]
            var circuit: String
        }
        struct Breaker: Decodable { var name: String; var state: String }
        var providers: [Provider]
        var circuit_breakers: [Breaker]

        subscript(_ name: String) -> Provider? { providers.first { $0.provider == name } }
    }

    static func providers(_ client: some TestClientProtocol) async throws -> Providers {
        try await client.execute(uri: "/api/v1/providers", method: .get) { response in
            try JSONCoding.decoder.decode(Providers.self, from: response.body)
        }
    }

    struct CandleList: Decodable { var candles: [Candle] }

    static func candles(_ client: some TestClientProtocol, exchange: String) async throws -> [Candle] {
        try await client.execute(uri: "/api/v1/candles?symbol=BTCUSDT&interval=1m&exchange=\(exchange)&limit=5000", method: .get) { response in
            try JSONCoding.decoder.decode(CandleList.self, from: response.body).candles
        }
    }

    struct Resets: Decodable {
        struct Reset: Decodable { var name: String; var before: String; var after: String }
        var breakers: [Reset]
    }

    static func metrics(_ client: some TestClientProtocol) async throws -> String {
        try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
    }

    /// Binance first, Coinbase (from the same fake) as the backup, both on the fake's clock.
    static func collector(_ fake: FakeExchangeFixture, binance: ExchangeAccess, coinbase: ExchangeAccess) -> CollectorConfiguration {
        CollectorConfiguration(
            provider: fake.binance(access: binance), exchange: "binance", breaker: binance.breaker,
            backup: MarketDataSource(provider: fake.coinbase(access: coinbase), exchange: "coinbase", exchangeBreaker: coinbase.breaker),
            symbols: [btc], interval: .oneMinute, backfillWindow: 30 * 60, subscribers: [], now: fake.now, breakerCheckInterval: .milliseconds(10)
        )
    }

    /// Starts collecting, waits for the backfill and one streamed bar, then fails Binance's market data and
    /// cuts its stream, and waits until Coinbase has taken over.
    static func failBinance(_ fake: FakeExchangeFixture, _ client: some TestClientProtocol) async throws {
        let forming = fake.minute(0)
        try await client.waitUntilReady()
        try await waitUntil("the backfill") { try await candles(client, exchange: "binance").last?.openTime == forming.addingTimeInterval(-60) }
        #expect(await fake.exchange.waitForStreamConnections(1))
        await fake.exchange.advanceMarket(by: 60)
        try await waitUntil("the streamed bar") { try await candles(client, exchange: "binance").last?.openTime == forming }

        await fake.exchange.failMarketData(.binance)
        await fake.exchange.cutStreamConnections()
        try await waitUntil("the failover") {
            let providers = try await providers(client)
            return providers["coinbase"]?.active == true && providers["binance"]?.active == false
        }
    }

    @Test(
        "Binance fails → its breaker opens → Coinbase candles are stored under coinbase → Binance recovers → the collector goes back and backfills what it missed"
    )
    func failoverAndBack() async throws {
        try await FakeExchangeFixture.run { fake in
            let binance = fake.binanceAccess(failureThreshold: 2, openDuration: 0.3)
            let coinbase = fake.coinbaseAccess()
            let first = fake.minute(0)
            try await TestDatabase.withFreshDatabase { url in
                let app = try buildMarketDataApplication(
                    configuration: TestConfiguration.service(.marketdata, database: url),
                    collector: Self.collector(fake, binance: binance, coinbase: coinbase))
                try await app.test(.router) { client in
                    try await Self.failBinance(fake, client)
                    #expect(await binance.breaker.snapshot().consecutiveFailures >= 2)

                    // Two bars close during the outage: the backup brings them, marked as Coinbase's.
                    await fake.exchange.advanceMarket(by: 120)
                    try await waitUntil("the backup's candles") {
                        try await Self.candles(client, exchange: "coinbase").map(\.openTime) == [
                            first.addingTimeInterval(60), first.addingTimeInterval(120),
                        ]
                    }

                    await fake.exchange.restoreMarketData(.binance)
                    try await waitUntil("the switch back") {
                        let providers = try await Self.providers(client)
                        return providers["binance"]?.active == true && providers["binance"]?.circuit == "closed"
                            && providers["coinbase"]?.status == "standby"
                    }
                    try await waitUntil("Binance's own bars for the outage") {
                        try await Self.candles(client, exchange: "binance").last?.openTime == first.addingTimeInterval(120)
                    }
                    #expect(await fake.exchange.waitForStreamConnections(1))
                    await fake.exchange.advanceMarket(by: 60)
                    try await waitUntil("the next streamed bar") {
                        try await Self.candles(client, exchange: "binance").last?.openTime == first.addingTimeInterval(180)
                    }

                    // Binance's series is whole and Binance's own; Coinbase's holds exactly the outage.
                    let expected = try await fake.binanceSeries(
                        from: FakeExchangeFixture.marketStart.addingTimeInterval(-30 * 60), to: first.addingTimeInterval(240))
                    #expect(try await Self.candles(client, exchange: "binance") == expected)
                    let backupCandles = try await Self.candles(client, exchange: "coinbase")
                    #expect(
                        backupCandles
                            == (try await fake.coinbase().candles(
                                symbol: Self.btc, interval: .oneMinute, from: first.addingTimeInterval(60), to: first.addingTimeInterval(180))))
                    #expect(backupCandles.allSatisfy { $0.exchange == "coinbase" })
                    let providers = try await Self.providers(client)
                    #expect(providers.providers.map(\.role) == ["primary", "backup"])
                    #expect(providers["binance"]?.active_symbols == ["BTCUSDT"] && providers["binance"]?.status == "running")
                }
            }
        }
    }

    @Test("the providers route, the metrics and the admin reset see the exchange's breaker; a reset sends the collector back to Binance")
    func breakerVisibleAndResettable() async throws {
        try await FakeExchangeFixture.run { fake in
            // Open for an hour: only the reset can close it within the test.
            let binance = fake.binanceAccess(failureThreshold: 2, openDuration: 3_600)
            let coinbase = fake.coinbaseAccess()
            let first = fake.minute(0)
            try await TestDatabase.withFreshDatabase { url in
                let app = try buildMarketDataApplication(
                    configuration: TestConfiguration.service(.marketdata, database: url),
                    collector: Self.collector(fake, binance: binance, coinbase: coinbase))
                try await app.test(.router) { client in
                    try await Self.failBinance(fake, client)
                    let providers = try await Self.providers(client)
                    #expect(providers["binance"]?.circuit == "open" && providers["binance"]?.status == "failing")
                    #expect(providers["coinbase"]?.active_symbols == ["BTCUSDT"] && providers["coinbase"]?.exchange == "coinbase")
                    #expect(providers.circuit_breakers.map(\.name) == [binance.breaker.name, coinbase.breaker.name])
                    #expect(providers.circuit_breakers.map(\.state) == ["open", "closed"])
                    try await waitUntil("the breaker metric") {
                        let metrics = try await Self.metrics(client)
                        return metrics.contains("keelson_circuit_breaker_open{breaker=\"\(binance.breaker.name)\"} 1")
                            && metrics.contains("keelson_market_data_failover{symbol=\"BTCUSDT\"} 1")
                    }

                    await fake.exchange.advanceMarket(by: 60)
                    try await waitUntil("the backup's candle") {
                        try await Self.candles(client, exchange: "coinbase").last?.openTime == first.addingTimeInterval(60)
                    }
                    await fake.exchange.restoreMarketData(.binance)
                    let auth: HTTPFields = [.authorization: "Bearer \(TestConfiguration.tokens[0])"]
                    try await client.execute(
                        uri: "/internal/v1/circuit-breakers/reset", method: .post, headers: auth, body: ByteBuffer(string: #"{"reason":"binance is back"}"#)
                    ) { response in
                        #expect(response.status == .ok)
                        let resets = try JSONCoding.decoder.decode(Resets.self, from: response.body).breakers
                        #expect(resets.map(\.name) == [binance.breaker.name, coinbase.breaker.name])
                        #expect(resets.first.map { [$0.before, $0.after] } == ["open", "closed"])
                    }
                    try await waitUntil("the switch back") {
                        try await Self.candles(client, exchange: "binance").last?.openTime == first.addingTimeInterval(60)
                    }
                    #expect(try await Self.providers(client)["binance"]?.active == true)
                    try await waitUntil("the failover metric back at 0") {
                        try await Self.metrics(client).contains("keelson_market_data_failover{symbol=\"BTCUSDT\"} 0")
                    }
                }
            }
        }
    }

    @Test("the watchdog's catch-up: holes cut into the stored series are fetched again from the primary, counted before and after")
    func catchUpFillsHoles() async throws {
        try await FakeExchangeFixture.run { fake in
            let binance = fake.binanceAccess()
            let coinbase = fake.coinbaseAccess()
            let first = fake.minute(0)
            try await TestDatabase.withMigratedDatabase { url, postgres in
                let app = try buildMarketDataApplication(
                    configuration: TestConfiguration.service(.marketdata, database: url),
                    collector: Self.collector(fake, binance: binance, coinbase: coinbase))
                try await app.test(.router) { client in
                    try await client.waitUntilReady()
                    try await waitUntil("the backfill") { try await Self.candles(client, exchange: "binance").last?.openTime == first.addingTimeInterval(-60) }
                    let whole = try await Self.candles(client, exchange: "binance")
                    try await postgres.query(
                        "DELETE FROM candles WHERE exchange = 'binance' AND open_time IN (\(whole[5].openTime), \(whole[6].openTime), \(whole[20].openTime))",
                        logger: TestDatabase.logger)
                    let auth: HTTPFields = [.authorization: "Bearer \(TestConfiguration.tokens[0])"]
                    try await client.execute(uri: "/internal/v1/market-data/catch-up", method: .post, headers: auth) { response in
                        #expect(response.status == .ok)
                        let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                        #expect(body?["continuous"] as? Bool == true)
                        #expect(body?["gaps_before"] as? Int == 2, "two holes: bars 5–6 and bar 20")
                        #expect(body?["gaps_after"] as? Int == 0)
                    }
                    // Read from the store (the cache still has the deleted bars).
                    let stored = try await postgres.query(
                        "SELECT count(*)::int FROM candles WHERE exchange = 'binance'", logger: TestDatabase.logger
                    ).collect().first?.decode(Int.self)
                    #expect(stored == whole.count)
                }
            }
        }
    }
}
