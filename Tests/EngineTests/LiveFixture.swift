import EngineService
import Foundation
import HummingbirdTesting
import KeelsonExchanges
import KeelsonFakeExchange
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import PostgresNIO
import Testing

/// Live mode against the fake Binance exchange over real HTTP: a BTCUSDT market starting at 100, so the engine
/// fixture's flat bars at 100 size orders as in paper (25 units), on a market clock that stands still.
enum LiveFixture {
    typealias F = EngineFixture

    /// 2024-04-04T00:00:30Z.
    static let marketStart = Date(timeIntervalSince1970: 1_712_188_830)
    static let apiKey = FakeExchangeConfiguration.exampleAPIKey
    static let apiSecret = FakeExchangeConfiguration.exampleAPISecret

    static func exchange(port: Int = 0, commissionRate: Decimal? = nil, _ adjust: (inout FakeSymbol) -> Void = { _ in }) -> FakeExchange {
        var configuration = FakeExchangeConfiguration()
        configuration.clock = .manual(start: marketStart)
        configuration.port = port
        if let commissionRate { configuration.commissionRate = commissionRate }
        var symbol = FakeSymbol(symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT", startPrice: 100)
        adjust(&symbol)
        configuration.symbols = [symbol]
        return FakeExchange(configuration: configuration)
    }

    static func connection(_ baseURL: String, timeout: Duration = .seconds(5)) -> BinanceConnectionSettings {
        BinanceConnectionSettings(baseURL: baseURL, credentials: BinanceCredentials(apiKey: apiKey, secret: apiSecret), timeout: timeout)
    }

    /// The variables a `keelson-engine` or `keelson` process needs to trade on the fake.
    static func environment(_ baseURL: String) -> [String: String] {
        ["KEELSON_MODE": "live", "KEELSON_BINANCE_BASE_URL": baseURL, "KEELSON_BINANCE_API_KEY": apiKey, "KEELSON_BINANCE_API_SECRET": apiSecret]
    }

    /// A live engine in this process, trading on the exchange at `baseURL`.
    static func withEngine(
        database: DatabaseURL, exchange baseURL: String, timeout: Duration = .seconds(5), poll: Duration = .seconds(60),
        reconcile: Duration = .seconds(300), restingStops: EngineSettings.RestingStopSettings? = nil, waitUntilReady: Bool = true,
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        var configuration = try TestConfiguration.service(.engine, database: database)
        configuration.mode = .live
        var settings = F.settings(poll: poll)
        settings.reconcileInterval = reconcile
        // Tests of other live behaviour count orders and order events: they run without resting stops unless given.
        settings.restingStops = restingStops ?? { var off = EngineSettings.RestingStopSettings(); off.enabled = false; return off }()
        let app = try buildEngineApplication(configuration: configuration, settings: settings, exchange: connection(baseURL, timeout: timeout))
        try await app.test(.router) { client in
            if waitUntilReady { try await client.waitUntilReady() }
            try await body(client)
        }
    }

    /// Pushes a signal and returns how the engine decided it (`ordered`, `rejected`), read from its log: the push
    /// may race the catch-up poll, and either decides it, once.
    static func decide(_ signal: Int64, client: some TestClientProtocol, postgres: PostgresClient) async throws -> String {
        _ = try await F.postSignals([signal], client: client)
        return try await F.value("SELECT outcome FROM engine_signal_log WHERE signal_id = \(signal)", as: String.self, postgres: postgres)
    }

    /// Waits (up to 90 s) until `count` fills are recorded: an order whose answer was lost is settled by a follow-up
    /// query, which a loaded machine may finish after the signal's response. Running out of time is a test failure
    /// named here, not a puzzling assertion further on.
    static func waitForFills(_ count: Int, postgres: PostgresClient) async throws {
        for _ in 0..<1800 {
            if try await F.count("fills", postgres: postgres) >= count { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("fewer than \(count) fills recorded after 90 s")
    }

    /// The exchange's orders placed with `clientOrderId` (POST /api/v3/order requests).
    static func orderPosts(_ exchange: FakeExchange, clientOrderId: String) async -> Int {
        await exchange.receivedRequests().filter {
            $0.method == "POST" && $0.path == "/api/v3/order" && $0.query.contains("newClientOrderId=\(clientOrderId)&")
        }.count
    }

    struct FillRow: Sendable {
        var exchangeFillID: String
        var quantity: Decimal
        var price: Decimal
        var fee: Decimal
    }

    static func fills(_ postgres: PostgresClient) async throws -> [FillRow] {
        let rows = try await postgres.query("SELECT exchange_fill_id, quantity, price, fee FROM fills ORDER BY id", logger: TestDatabase.logger)
        var result: [FillRow] = []
        for try await (id, quantity, price, fee) in rows.decode((String, Decimal, Decimal, Decimal).self) {
            result.append(FillRow(exchangeFillID: id, quantity: quantity, price: price, fee: fee))
        }
        return result
    }

    static func orderEvents(_ postgres: PostgresClient) async throws -> [String] {
        let rows = try await postgres.query("SELECT coalesce(from_status, '-'), to_status FROM order_events ORDER BY id", logger: TestDatabase.logger)
        var result: [String] = []
        for try await (from, to) in rows.decode((String, String).self) { result.append("\(from)>\(to)") }
        return result
    }
}
