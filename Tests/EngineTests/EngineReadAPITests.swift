import Foundation
import Hummingbird
import HummingbirdTesting
import KeelsonContracts
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonStrategies
import KeelsonTestSupport
import NIOCore
import Testing

@testable import EngineService

/// The engine's HTTP API on the in-memory repositories: the internal intake and every dashboard read, their
/// paging and their 4xx answers, with no database. The twin's rows are held to PostgreSQL's in
/// `TradingReadStorageParityTests`.
@Suite("Engine API on in-memory storage: intake, reads, paging, bad input")
struct EngineReadAPITests {
    typealias F = EngineFixture

    /// The engine's routes over `h`'s books, behind the same middleware as the service (token, error mapping).
    static func withAPI(_ h: InMemoryEngineTests.Harness, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let runtime = ServiceRuntime(configuration: try TestConfiguration.service(.engine, database: TestConfiguration.unreachableDatabase()))
        let router = runtime.makeRouter()
        EngineRoutes(engine: h.engine, queries: TradingReadRepository(storage: h.repository), settings: F.settings())
            .register(router: router, internalRoutes: runtime.internalRoutes(on: router))
        try await Application(router: router).test(.router) { client in try await body(client) }
    }

    /// The round trip of `InMemoryEngineTests.roundTrip`, through HTTP: a buy on bar 19, filled on 20, a sell on
    /// bar 20 filled on 21.
    static func roundTrip(_ h: InMemoryEngineTests.Harness, client: some TestClientProtocol) async throws {
        let buy = await h.repository.store([(strategy: "test", signal: signal(.buy, bar: 19))])
        #expect(try await F.postSignals(buy.map(\.id), client: client).map(\.outcome) == ["ordered"])
        #expect(try await F.postCandles([F.bar(20, "100", "101", "99", "100")], client: client).fills == 1)
        let sell = await h.repository.store([(strategy: "test", signal: signal(.sell, bar: 20))])
        #expect(try await F.postSignals(sell.map(\.id), client: client).map(\.outcome) == ["ordered"])
        #expect(try await F.postCandles([F.bar(21, "102", "103", "101", "102")], client: client).fills == 1)
    }

    static func signal(_ side: TradeSide, bar index: Int) -> StrategySignal {
        StrategySignal(symbol: F.btc, interval: .oneMinute, side: side, strength: 1, barTime: F.time(index), price: 100, reason: "test")
    }

    @Test("a round trip over HTTP: portfolio, orders, trades, strategies, equity and risk read the figures the books hold")
    func readsAfterARoundTrip() async throws {
        let h = try await InMemoryEngineTests.harness()
        try await Self.withAPI(h) { client in
            let buy = await h.repository.store([(strategy: "test", signal: Self.signal(.buy, bar: 19))])
            _ = try await F.postSignals(buy.map(\.id), client: client)
            _ = try await F.postCandles([F.bar(20, "100", "101", "99", "100")], client: client)

            let open = try await F.get("/api/v1/portfolio", client: client)
            #expect(open["cash"] as? String == "7492.74525")
            let positions = try #require(open["positions"] as? [[String: Any]])
            #expect(positions.first?["quantity"] as? String == "25")
            #expect(positions.first?["average_entry_price"] as? String == "100.19")
            #expect(positions.first?["stop_price"] as? String == "96.19")

            let sell = await h.repository.store([(strategy: "test", signal: Self.signal(.sell, bar: 20))])
            _ = try await F.postSignals(sell.map(\.id), client: client)
            _ = try await F.postCandles([F.bar(21, "102", "103", "101", "102")], client: client)

            let closed = try await F.get("/api/v1/portfolio", client: client)
            #expect(closed["cash"] as? String == "10035.20025")
            #expect(closed["realized_pnl"] as? String == "40.25")
            #expect(closed["fees_paid"] as? String == "5.04975")
            #expect((closed["positions"] as? [Any])?.isEmpty == true)

            let trades = try #require(try await F.get("/api/v1/trades", client: client)["trades"] as? [[String: Any]])
            #expect(trades.count == 1)
            #expect(trades.first?["pnl"] as? String == "35.20025")
            #expect(trades.first?["exit_price"] as? String == "101.8")
            #expect(trades.first?["strategy"] as? String == "test")

            let orders = try #require(try await F.get("/api/v1/orders", client: client)["orders"] as? [[String: Any]])
            #expect(orders.map { $0["side"] as? String } == ["sell", "buy"])
            #expect(orders.allSatisfy { $0["status"] as? String == "filled" && $0["strategy"] as? String == "test" })

            let strategies = try #require(try await F.get("/api/v1/strategies", client: client)["strategies"] as? [[String: Any]])
            let figures = try #require(strategies.first { $0["id"] as? String == "test" }?["figures"] as? [String: Any])
            #expect(figures["realized_pnl"] as? String == "35.20025")
            #expect(figures["trades"] as? Int == 1)
            #expect(figures["fills"] as? Int == 2)

            let equity = try #require(try await F.get("/api/v1/equity", client: client)["points"] as? [[String: Any]])
            #expect(equity.last?["equity"] as? String == "10035.20025")

            let risk = try await F.get("/api/v1/risk", client: client)
            #expect(risk["state"] as? String == "active")
        }
    }

    @Test("orders page newest first: limit=1 gives one order and the cursor of the next page, which ends the list")
    func paging() async throws {
        let h = try await InMemoryEngineTests.harness()
        try await Self.withAPI(h) { client in
            try await Self.roundTrip(h, client: client)
            let first = try await F.get("/api/v1/orders?limit=1", client: client)
            let newest = try #require((first["orders"] as? [[String: Any]])?.first)
            #expect(newest["side"] as? String == "sell")
            let cursor = try #require(first["next_before"] as? Int)
            let second = try await F.get("/api/v1/orders?limit=1&before=\(cursor)", client: client)
            #expect((second["orders"] as? [[String: Any]])?.first?["side"] as? String == "buy")
            #expect(second["next_before"] == nil)
            let filtered = try await F.get("/api/v1/orders?status=rejected", client: client)
            #expect((filtered["orders"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(
        "bad input gets a 4xx JSON error naming what is wrong",
        arguments: [
            ("/api/v1/orders?status=bogus", 400, "status=bogus is not an order state"),
            ("/api/v1/orders?before=0", 400, "before=0 is not an id"),
            ("/api/v1/trades?session=abc", 400, "session=abc is not a session"),
            ("/api/v1/trades?since=2024-01-02T00:00:00Z&until=2024-01-01T00:00:00Z", 400, "since must be before until"),
            ("/api/v1/portfolio?session=99", 404, "no paper session 99"),
            ("/api/v1/performance?period=hourly", 400, "period=hourly is not allowed"),
            ("/api/v1/strategies/nobody", 404, "no strategy instance 'nobody'"),
            ("/api/v1/equity?points=1", 400, "points"),
        ])
    func badInput(uri: String, status: Int, message: String) async throws {
        let h = try await InMemoryEngineTests.harness()
        try await Self.withAPI(h) { client in
            let response = try await client.execute(uri: uri, method: .get, headers: [:], body: nil)
            #expect(Int(response.status.code) == status, "\(uri)")
            let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
            #expect((body?["detail"] as? String)?.contains(message) == true, "\(uri): \(String(buffer: response.body))")
        }
    }

    @Test("the internal intake refuses a missing token, an empty batch, a bad candle and a control without a reason")
    func intakeRefusals() async throws {
        let h = try await InMemoryEngineTests.harness()
        try await Self.withAPI(h) { client in
            let unauthenticated = try await client.execute(
                uri: "/internal/v1/signals", method: .post, headers: [:], body: ByteBuffer(string: #"{"signals":[{"id":1}]}"#))
            #expect(unauthenticated.status == .unauthorized)
            let empty = try await client.execute(
                uri: "/internal/v1/signals", method: .post, headers: F.auth, body: ByteBuffer(string: #"{"signals":[]}"#))
            #expect(empty.status == .badRequest)
            #expect(String(buffer: empty.body).contains("signals must hold 1 to"))
            var bad = F.bar(20, "100", "101", "99", "100")
            bad.high = 90
            let candle = try await client.execute(
                uri: "/internal/v1/candles", method: .post, headers: F.auth,
                body: ByteBuffer(bytes: try JSONCoding.encoder.encode(CandleBatch(candles: [bad]))))
            #expect(candle.status == .badRequest)
            let halt = try await F.control("halt", reason: nil, client: client)
            #expect(halt.status == .badRequest)
            #expect(await h.repository.sessions.last?.state == .active)
        }
    }
}
