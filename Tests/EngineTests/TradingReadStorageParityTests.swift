import EngineService
import Foundation
import HummingbirdTesting
import KeelsonDomain
import KeelsonPersistence
import KeelsonStrategies
import KeelsonTestSupport
import Synchronization
import Testing

/// The in-memory read storage is only worth its speed if it answers as PostgreSQL does: the same trading, once
/// through the service on PostgreSQL and once on the in-memory books, must read back the same views, field for field.
@Suite("Read storage: the in-memory twin answers every dashboard read as PostgreSQL does")
struct TradingReadStorageParityTests {
    typealias F = EngineFixture

    static let reads = [
        "/api/v1/session", "/api/v1/portfolio", "/api/v1/positions", "/api/v1/orders", "/api/v1/orders?limit=2", "/api/v1/orders?status=filled",
        "/api/v1/trades", "/api/v1/trades?strategy=test", "/api/v1/performance", "/api/v1/performance?period=monthly", "/api/v1/equity",
        "/api/v1/equity?points=2", "/api/v1/strategies", "/api/v1/strategies/other", "/api/v1/execution", "/api/v1/capital", "/api/v1/risk",
    ]
    /// Wall-clock times (each store stamps its own) and the session's settings text (jsonb normalises its spacing).
    static let volatileKeys: Set<String> = ["created_at", "updated_at", "started_at", "ended_at", "occurred_at", "configuration"]

    /// A round trip by `test`, a rejected sell with nothing held, then an entry by `other` that stays open and is marked.
    static func trade(client: some TestClientProtocol, signal: @Sendable (TradeSide, Int, String) async throws -> Int64) async throws {
        _ = try await F.postSignals([try await signal(.buy, 19, "test")], client: client)
        _ = try await F.postCandles([F.bar(20, "100", "101", "99", "100")], client: client)
        _ = try await F.postSignals([try await signal(.sell, 20, "test")], client: client)
        _ = try await F.postCandles([F.bar(21, "102", "103", "101", "102")], client: client)
        _ = try await F.postSignals([try await signal(.sell, 21, "test")], client: client)
        _ = try await F.postSignals([try await signal(.buy, 21, "other")], client: client)
        _ = try await F.postCandles([F.bar(22, "102", "104", "101", "103")], client: client)
        _ = try await F.postCandles([F.bar(23, "103", "106", "102", "105")], client: client)
    }

    static func collect(client: some TestClientProtocol) async throws -> [String: String] {
        var views: [String: String] = [:]
        for uri in reads {
            let response = try await client.execute(uri: uri, method: .get, headers: [:], body: nil)
            views[uri] = "\(response.status.code) " + (try normalised(Data(buffer: response.body)))
        }
        return views
    }

    static func normalised(_ data: Data) throws -> String {
        func strip(_ value: Any) -> Any {
            if let object = value as? [String: Any] {
                return object.filter { !volatileKeys.contains($0.key) }.mapValues(strip)
            }
            if let array = value as? [Any] { return array.map(strip) }
            return value
        }
        let stripped = strip(try JSONSerialization.jsonObject(with: data))
        return String(decoding: try JSONSerialization.data(withJSONObject: stripped, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test("a round trip, a rejection and an open marked position: seventeen reads, identical on both")
    func sameViews() async throws {
        let memory = Mutex<[String: String]>([:])
        let h = try await InMemoryEngineTests.harness()
        try await EngineReadAPITests.withAPI(h) { client in
            try await Self.trade(client: client) { side, bar, strategy in
                try #require(await h.repository.store([(strategy: strategy, signal: EngineReadAPITests.signal(side, bar: bar))]).first).id
            }
            let views = try await Self.collect(client: client)
            memory.withLock { $0 = views }
        }

        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let app = try buildEngineApplication(configuration: TestConfiguration.service(.engine, database: url), settings: F.settings())
            try await app.test(.router) { client in
                try await client.waitUntilReady()
                try await Self.trade(client: client) { side, bar, strategy in
                    try await F.insertSignal(side, bar: bar, strategy: strategy, postgres: postgres)
                }
                let stored = try await Self.collect(client: client)
                let twin = memory.withLock { $0 }
                for uri in Self.reads {
                    #expect(twin[uri] == stored[uri], "\(uri)\n in memory:  \(twin[uri] ?? "-")\n PostgreSQL: \(stored[uri] ?? "-")")
                }
            }
        }
    }
}
