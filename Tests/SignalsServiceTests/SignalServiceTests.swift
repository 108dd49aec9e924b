import Foundation
import Hummingbird
import HummingbirdTesting
import KeelsonContracts
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonStrategies
import KeelsonTestSupport
import Logging
import PostgresNIO
import Testing

@testable import SignalsService

@Suite("keelson-signals on a real PostgreSQL")
struct SignalServiceTests {
    static let goog = try! Symbol(parsing: "GOOG")
    static let auth: HTTPFields = [.authorization: "Bearer \(TestConfiguration.tokens[0])", .contentType: "application/json"]

    static func instances() throws -> [StrategyInstance] {
        let json = """
            {"strategies": [
              {"id": "goog_sma", "strategy": "sma_crossover", "symbols": ["GOOG"], "interval": "1d", "parameters": {"fast": 10, "slow": 30}},
              {"id": "goog_macd", "strategy": "macd_trend", "symbols": ["GOOG"], "interval": "1d"},
              {"id": "goog_rsi_off", "strategy": "rsi_mean_reversion", "symbols": ["GOOG"], "interval": "1d", "enabled": false}
            ]}
            """
        return try StrategiesFile.parse(Data(json.utf8), source: "test.json")
    }

    static func googCandles() throws -> [Candle] {
        try SharedReferenceData.googCandles(exchange: "replay")
    }

    struct BatchResult: Decodable {
        var received: Int
        var newSignals: [StoredSignal]
        enum CodingKeys: String, CodingKey {
            case received
            case newSignals = "new_signals"
        }
    }

    /// Stores each batch (as the collector does, before it pushes) and posts it; returns the new signals.
    static func push(_ candles: [Candle], batchSize: Int, store: any CandleStore, client: some TestClientProtocol) async throws -> [StoredSignal] {
        var signals: [StoredSignal] = []
        for start in stride(from: 0, to: candles.count, by: batchSize) {
            let batch = Array(candles[start..<min(start + batchSize, candles.count)])
            try await store.upsert(batch)
            let body = try JSONCoding.encoder.encode(["candles": batch])
            let result = try await client.execute(uri: "/internal/v1/candles", method: .post, headers: auth, body: ByteBuffer(data: body)) {
                response in
                #expect(response.status == .ok, Comment(rawValue: String(buffer: response.body)))
                return try JSONCoding.decoder.decode(BatchResult.self, from: response.body)
            }
            #expect(result.received == batch.count)
            signals += result.newSignals
        }
        return signals
    }

    static func key(_ signal: StoredSignal) -> String {
        "\(signal.strategy) \(signal.signal.side.rawValue) \(signal.signal.barTime.timeIntervalSince1970) \(signal.signal.reason)"
    }

    /// What the pure strategies say over the whole file in one uninterrupted pass.
    static func referenceSignals(_ candles: [Candle]) throws -> Set<String> {
        var result = Set<String>()
        for instance in try instances() where instance.enabled {
            var strategy = try instance.makeStrategy()
            for candle in candles {
                for signal in strategy.evaluate(candle) {
                    result.insert(key(StoredSignal(id: 0, strategy: instance.id, signal: signal, createdAt: .now)))
                }
            }
        }
        return result
    }

    @Test("pushed in batches, the service stores exactly the signals of an uninterrupted run; a repeated batch adds none")
    func batchesAndDuplicates() async throws {
        let candles = try Self.googCandles()
        try await TestDatabase.withFreshDatabase { url in
            let app = try buildSignalsApplication(configuration: TestConfiguration.service(.signals, database: url), strategies: Self.instances())
            try await app.test(.router) { client in
                try await client.waitUntilReady()
                try await TestDatabase.withClient(url) { postgres in
                    let store = PostgresCandleStore(client: postgres, logger: TestDatabase.logger)
                    let signals = try await Self.push(candles, batchSize: 97, store: store, client: client)
                    #expect(Set(signals.map(Self.key)) == (try Self.referenceSignals(candles)))
                    #expect(signals.contains { $0.strategy == "goog_macd" })
                    #expect(!signals.contains { $0.strategy == "goog_rsi_off" })
                    // Consecutive batches continue from the cache: one rebuild per instance, at the first batch.
                    try await client.execute(uri: "/metrics", method: .get) { response in
                        let text = String(buffer: response.body)
                        #expect(text.contains(#"keelson_strategy_rebuilds_total{strategy="goog_sma"} 1"#), Comment(rawValue: text))
                        #expect(text.contains(#"keelson_strategy_rebuilds_total{strategy="goog_macd"} 1"#))
                    }

                    let again = try await Self.push(Array(candles[500..<700]), batchSize: 200, store: store, client: client)
                    #expect(again.isEmpty)
                    let count = try await postgres.query("SELECT count(*)::int FROM signals").collect().first?.decode(Int.self)
                    #expect(count == signals.count)
                }
            }
        }
    }

    @Test("after a restart in the middle of the series, the signals are those of an uninterrupted run")
    func restartInTheMiddle() async throws {
        let candles = try Self.googCandles()
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.withClient(url) { postgres in
                let store = PostgresCandleStore(client: postgres, logger: TestDatabase.logger)
                let configuration = try TestConfiguration.service(.signals, database: url)
                let before = try buildSignalsApplication(configuration: configuration, strategies: Self.instances())
                let first = try await before.test(.router) { client in
                    try await client.waitUntilReady()
                    return try await Self.push(Array(candles[..<1234]), batchSize: 50, store: store, client: client)
                }
                // A new process: empty cache, so the first batch rebuilds indicator state from stored candles.
                let after = try buildSignalsApplication(configuration: configuration, strategies: Self.instances())
                let second = try await after.test(.router) { client in
                    try await client.waitUntilReady()
                    return try await Self.push(Array(candles[1234...]), batchSize: 50, store: store, client: client)
                }
                #expect(Set((first + second).map(Self.key)) == (try Self.referenceSignals(candles)))
                #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
            }
        }
    }

    actor Received {
        var ids: [Int64] = []
        var authorizations: Set<String> = []
        func add(_ new: [Int64], authorization: String?) {
            ids += new
            authorizations.insert(authorization ?? "none")
        }
    }

    @Test("new signals are forwarded to the engine with the inter-service token")
    func forwarding() async throws {
        let received = Received()
        let engineRouter = Router()
        engineRouter.post(RouterPath(InternalRoute.signals.path)) { request, context -> HTTPResponse.Status in
            let batch = try await request.decode(as: SignalBatch.self, context: context)
            await received.add(batch.ids, authorization: request.headers[.authorization])
            return .ok
        }
        let fakeEngine = Application(router: engineRouter, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let candles = try Self.googCandles()
        try await fakeEngine.test(.live) { engine in
            let enginePort = try #require(engine.port)
            try await TestDatabase.withFreshDatabase { url in
                var configuration = try TestConfiguration.service(.signals, database: url)
                configuration.serviceURLs[.engine] = "http://127.0.0.1:\(enginePort)"
                let app = try buildSignalsApplication(configuration: configuration, strategies: Self.instances())
                try await app.test(.router) { client in
                    try await client.waitUntilReady()
                    let stored = try await TestDatabase.withClient(url) { postgres in
                        try await Self.push(
                            Array(candles[..<600]), batchSize: 100, store: PostgresCandleStore(client: postgres, logger: TestDatabase.logger),
                            client: client)
                    }
                    #expect(!stored.isEmpty)
                    // A POST retried after a slow answer sends its ids twice, which the engine deduplicates: every id must arrive.
                    let expected = Set(stored.map(\.id))
                    for _ in 0..<800 where !expected.isSubset(of: Set(await received.ids)) {
                        try await Task.sleep(for: .milliseconds(25))
                    }
                    #expect(Set(await received.ids) == expected)
                    #expect(await received.authorizations == ["Bearer \(TestConfiguration.tokens[0])"])
                }
            }
        }
    }

    /// The service's routes on in-memory candles, signals and lifecycle states, behind the service's middleware: what
    /// the API decides, with no database (the forwarder's engine is unreachable and never called: it runs as a service).
    static func withInMemoryAPI(
        _ body: @Sendable (any TestClientProtocol, InMemoryCandleStore, InMemoryStrategyLifecycleStore) async throws -> Void
    ) async throws {
        let runtime = ServiceRuntime(configuration: try TestConfiguration.service(.signals, database: TestConfiguration.unreachableDatabase()))
        let candles = InMemoryCandleStore()
        let lifecycle = InMemoryStrategyLifecycleStore()
        let instances = try instances()
        let logger = Logger(label: "test")
        let router = runtime.makeRouter()
        SignalRoutes(
            evaluator: StrategyEvaluator(instances: instances, candles: candles, metrics: nil),
            gate: StrategyLifecycleGate(store: lifecycle, instances: instances, metrics: nil, logger: logger), lifecycle: lifecycle,
            store: InMemorySignalStore(), forwarder: SignalForwarder(client: runtime.client(for: .engine), metrics: nil, logger: logger),
            metrics: SignalsMetrics(runtime.metrics), logger: logger
        ).register(router: router, internalRoutes: runtime.internalRoutes(on: router))
        try await Application(router: router).test(.router) { client in try await body(client, candles, lifecycle) }
    }

    @Test("the read API validates its parameters and lists stored signals and strategies")
    func readAPI() async throws {
        let candles = try Self.googCandles()
        try await Self.withInMemoryAPI { client, store, _ in
            _ = try await Self.push(Array(candles[..<400]), batchSize: 400, store: store, client: client)
            for (query, status, expected) in [
                ("limit=5000", HTTPResponse.Status.badRequest, "limit=5000 is not allowed; expected a whole number from 1 to 1000"),
                ("symbol=btc", .badRequest, "symbol: symbol 'btc' is not valid"),
                ("since=yesterday", .badRequest, "since=yesterday is not a time"),
                ("symbol=", .badRequest, "symbol= is empty"),
                ("strategy=nope", .notFound, "strategy 'nope' is not configured"),
            ] {
                try await client.execute(uri: "/api/v1/signals?\(query)", method: .get) { response in
                    #expect(response.status == status, "\(query)")
                    let body = try JSONDecoder().decode(APIError.Body.self, from: response.body)
                    #expect(body.detail.hasPrefix(expected), Comment(rawValue: body.detail))
                }
            }
            try await client.execute(uri: "/api/v1/signals?symbol=GOOG&strategy=goog_sma&limit=3", method: .get) { response in
                #expect(response.status == .ok)
                struct List: Decodable { var signals: [StoredSignal] }
                let list = try JSONCoding.decoder.decode(List.self, from: response.body)
                #expect(list.signals.count == 3)
                #expect(list.signals.allSatisfy { $0.strategy == "goog_sma" })
                #expect(zip(list.signals, list.signals.dropFirst()).allSatisfy { $0.signal.barTime >= $1.signal.barTime })
            }
            try await client.execute(uri: "/api/v1/strategies", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains(#""id":"goog_sma""#))
                #expect(text.contains(#""signals_stored":"#))
                #expect(text.contains(#""enabled":false"#))
            }
            let bad =
                #"{"candles":[{"exchange":"replay","symbol":"GOOG","interval":"1d","open_time":"2020-01-01T00:00:00Z","open":"10","high":"5","low":"4","close":"4.5","volume":"1"}]}"#
            try await client.execute(uri: "/internal/v1/candles", method: .post, headers: Self.auth, body: ByteBuffer(string: bad)) { response in
                #expect(response.status == .badRequest)
                let body = try JSONDecoder().decode(APIError.Body.self, from: response.body)
                #expect(body.detail.contains("low ≤ open, close ≤ high"))
            }
            let wrongInterval =
                #"{"candles":[{"exchange":"replay","symbol":"GOOG","interval":"7m","open_time":"2020-01-01T00:00:00Z","open":"1","high":"1","low":"1","close":"1","volume":"1"}]}"#
            try await client.execute(uri: "/internal/v1/candles", method: .post, headers: Self.auth, body: ByteBuffer(string: wrongInterval)) {
                response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("lifecycle moves: a disabled instance's buys are held back, its history recorded; unknown, refused and bad asks are 4xx")
    func lifecycleMoves() async throws {
        let candles = try Self.googCandles()
        try await Self.withInMemoryAPI { client, store, lifecycle in
            func move(_ id: String, _ body: String) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(
                    uri: "/internal/v1/strategies/\(id)/lifecycle", method: .post, headers: Self.auth, body: ByteBuffer(string: body)
                ) { ($0.status, String(buffer: $0.body)) }
            }
            _ = try await Self.push(Array(candles[..<200]), batchSize: 200, store: store, client: client)
            let disabled = try await move("goog_sma", #"{"action":"disable","reason":"drawdown review","actor":"ops"}"#)
            #expect(disabled.0 == .ok && disabled.1.contains("goog_sma: active → disabled"), "\(disabled)")
            #expect(await lifecycle.events.last == .init(instance: "goog_sma", from: .active, to: .disabled, reason: "drawdown review", actor: "ops"))
            let later = try await Self.push(Array(candles[200...]), batchSize: 400, store: store, client: client)
            // Uninterrupted, goog_sma buys in this stretch; disabled, none of those buys is stored.
            let from = candles[200].openTime.timeIntervalSince1970
            let wouldBuy = try Self.referenceSignals(candles).filter { key in
                let parts = key.split(separator: " ")
                return parts[0] == "goog_sma" && parts[1] == "buy" && Double(parts[2])! >= from
            }
            #expect(!wouldBuy.isEmpty)
            #expect(!later.contains { $0.strategy == "goog_sma" && $0.signal.side == .buy })
            #expect(later.contains { $0.strategy == "goog_macd" && $0.signal.side == .buy })

            let refused = try await move("goog_sma", #"{"action":"disable","reason":"again"}"#)
            #expect(refused.0 == .conflict, "\(refused)")
            let unknown = try await move("nobody", #"{"action":"retire","reason":"gone"}"#)
            #expect(unknown.0 == .notFound && unknown.1.contains("no strategy instance 'nobody'"), "\(unknown)")
            let badAction = try await move("goog_sma", #"{"action":"explode","reason":"x"}"#)
            #expect(badAction.0 == .badRequest && badAction.1.contains("action must be one of promote, retire, disable, enable"))
            let noReason = try await move("goog_sma", #"{"action":"enable"}"#)
            #expect(noReason.0 == .badRequest)
            #expect(await lifecycle.records["goog_sma"]?.status == .disabled)
        }
    }

    @Test(
        "an invalid strategies file is refused with the offending key named",
        arguments: [
            (
                #"{"strategies":[{"id":"a","strategy":"sma_crossover","symbols":["BTCUSDT"],"interval":"1m","parameters":{"fast":1}}]}"#,
                "test.json: strategies[0].parameters: sma_crossover parameter fast=1 is out of bounds"
            ),
            (
                #"{"strategies":[{"id":"a","strategy":"moon","symbols":["BTCUSDT"],"interval":"1m"}]}"#,
                "test.json: strategies[0].strategy: unknown strategy 'moon'; available: sma_crossover"
            ),
            (
                #"{"strategies":[{"id":"a","strategy":"sma_crossover","symbols":["BTCUSDT"],"interval":"1m","colour":"red"}]}"#,
                "test.json: strategies[0].colour: unknown key"
            ),
            (
                #"{"strategies":[{"id":"a","strategy":"sma_crossover","symbols":["btc"],"interval":"1m"}]}"#,
                "test.json: strategies[0].symbols[0]: symbol 'btc' is not valid"
            ),
            (
                #"{"strategies":[{"id":"a","strategy":"ml_classifier","symbols":["BTCUSDT"],"interval":"1m"}]}"#,
                "test.json: strategies[0].model: missing; name the registry model to trade on"
            ),
            (
                #"{"strategies":[{"id":"a","strategy":"ml_classifier","model":"m","symbols":["BTCUSDT"],"interval":"1m","parameters":{"model":3}}]}"#,
                "test.json: strategies[0].parameters.model: the service trades on the active version of a model name"
            ),
            (
                #"{"strategies":[{"id":"a","strategy":"ml_classifier","model":"Big Model","symbols":["BTCUSDT"],"interval":"1m"}]}"#,
                "test.json: strategies[0].model: 'Big Model' must be 1 to 64 lower-case letters"
            ),
            (
                #"{"strategies":[{"id":"a","strategy":"ml_classifier","model":"m","symbols":["BTCUSDT"],"interval":"1m","parameters":{"entry":0.5,"exit":0.5}}]}"#,
                "test.json: strategies[0].parameters: ml_classifier: exit (0.5) must be below entry"
            ),
            (
                #"{"strategies":[{"id":"a","strategy":"sma_crossover","model":"m","symbols":["BTCUSDT"],"interval":"1m"}]}"#,
                "test.json: strategies[0].model: only an ml_classifier entry names a model"
            ),
            (
                #"{"strategies":[{"id":"a","strategy":"sma_crossover","symbols":["BTCUSDT"],"interval":"2m"}]}"#,
                "test.json: strategies[0].interval: interval '2m' is not valid"
            ),
            (
                #"{"strategies":[{"id":"a","strategy":"sma_crossover","symbols":["BTCUSDT"]}]}"#,
                "test.json: strategies[0].interval: missing"
            ),
            (
                #"{"strategies":[{"id":"a","strategy":"sma_crossover","symbols":["BTCUSDT"],"interval":"1m","parameters":{"fast":true}}]}"#,
                "test.json: strategies[0].parameters.fast: has the wrong type; expected a number"
            ),
            (
                #"{"strategies":[{"id":"a","strategy":"sma_crossover","symbols":["X"],"interval":"1m"},{"id":"a","strategy":"sma_crossover","symbols":["Y"],"interval":"1m"}]}"#,
                "test.json: strategies[1].id: 'a' is used twice"
            ),
            ("not json", "test.json: (file) is not valid JSON"),
        ])
    func invalidConfiguration(json: String, expected: String) {
        #expect { try StrategiesFile.parse(Data(json.utf8), source: "test.json") } throws: { error in
            let text = (error as? ConfigurationError)?.description ?? "\(error)"
            return text.hasPrefix(expected)
        }
    }

    @Test func theShippedConfigurationIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/strategies.json").path
        let instances = try StrategiesFile.load(environment: EnvironmentReader([StrategiesFile.variable: path])).instances
        #expect(instances.contains { $0.strategy == "sma_crossover" && $0.enabled })
    }
}
