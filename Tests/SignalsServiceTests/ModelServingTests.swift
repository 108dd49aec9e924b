import Foundation
import Hummingbird
import HummingbirdTesting
import KeelsonDomain
import KeelsonFoundation
import KeelsonModels
import KeelsonOptimizer
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonStrategies
import KeelsonTestSupport
import PostgresNIO
import SignalsService
import Testing

/// The signal service serving registry models on a real PostgreSQL: ml_classifier on the active version, the
/// model routes, analyses, live figures, a damaged version refused and a rollback, all without a restart.
@Suite("keelson-signals serving models")
struct ModelServingTests {
    static let symbol = try! Symbol(parsing: "BTCUSDT")
    static let auth: HTTPFields = [.authorization: "Bearer \(TestConfiguration.tokens[0])", .contentType: "application/json"]

    static func candles() throws -> [Candle] {
        let csv = RegimeMarket.csv(bars: 2_600, persistence: 0.7, seed: 11)
        return CandleCSV.candles(try CandleCSV.parse(csv, source: "regime"), exchange: "replay", symbol: symbol, interval: .oneMinute)
    }

    static func train(_ candles: ArraySlice<Candle>) throws -> TrainedModel {
        try ModelTraining.run(
            ModelTraining.Request(
                bars: candles.map { TimedBar(openTime: $0.openTime, ohlcv: $0.ohlcv) }, features: try FeatureName.list(parsing: "return:1,rsi:5"),
                label: .nextReturn(horizon: 1), specification: .logistic(c: 1))
        ).model
    }

    /// Version 1 of "regime", trained on the first 1,500 bars and promoted.
    static func activeFirstVersion(_ registry: PostgresModelRegistry, _ candles: [Candle]) async throws -> ModelVersionRecord {
        let first = try await registry.register(
            try train(candles[..<1500]), name: "regime", dataSource: "test", trainedBy: "test", reason: "first version")
        return try await registry.promote(id: first.id, reason: "serve it", actor: "test")
    }

    static func instances() throws -> [StrategyInstance] {
        let json = """
            {"strategies": [{"id": "regime_ml", "strategy": "ml_classifier", "model": "regime", "symbols": ["BTCUSDT"], "interval": "1m",
                             "parameters": {"entry": 0.55, "exit": 0.45}}]}
            """
        return try StrategiesFile.parse(Data(json.utf8), source: "test.json")
    }

    struct Models: Decodable {
        struct Summary: Decodable {
            var id: Int64
            var state: String
            var served: Bool
            var refused: String?
        }
        var models: [Summary]
    }

    struct Detail: Decodable {
        struct Live: Decodable {
            struct Feature: Decodable {
                var name: String
                var psi: Double?
                var observed: Int
            }
            var strategy: String
            var symbol: String
            var hitRate: Double?
            var resolved: Int
            var features: [Feature]
            enum CodingKeys: String, CodingKey {
                case strategy, symbol, resolved, features
                case hitRate = "hit_rate"
            }
        }
        var live: [Live]
        var events: [[String: String?]]
    }

    struct Analysis: Decodable {
        struct Feature: Decodable {
            var name: String
            var value: Double
            var standardized: Double
        }
        var probability: Double
        var barTime: Date
        var exchange: String
        var features: [Feature]
        enum CodingKeys: String, CodingKey {
            case probability, exchange, features
            case barTime = "bar_time"
        }
    }

    static func models(_ client: some TestClientProtocol) async throws -> Models {
        try await client.execute(uri: "/api/v1/models", method: .get) { try JSONCoding.decoder.decode(Models.self, from: $0.body) }
    }

    /// Polls the model list until `condition` holds (the service re-reads the registry every 100 ms here).
    static func waitFor(_ client: some TestClientProtocol, _ condition: (Models) -> Bool) async throws -> Models {
        for _ in 0..<200 {
            let listed = try await models(client)
            if condition(listed) { return listed }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the model list never reached the expected state: \(try await models(client))")
        return try await models(client)
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, _ json: String) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: uri, method: .post, headers: auth, body: ByteBuffer(string: json)) { ($0.status, String(buffer: $0.body)) }
    }

    @Test("ml_classifier trades on the active version exactly as a backtest of it; analyses, live figures, refusal and rollback")
    func servesTheActiveVersion() async throws {
        let candles = try Self.candles()
        try await TestDatabase.withMigratedDatabase { url, postgres in
            let registry = PostgresModelRegistry(client: postgres, logger: TestDatabase.logger)
            let first = try await Self.activeFirstVersion(registry, candles)
            let store = PostgresCandleStore(client: postgres, logger: TestDatabase.logger)
            // History the service replays when it first sees the symbol; the rest arrives in batches.
            _ = try await store.upsert(Array(candles[..<2000]))
            let app = try buildSignalsApplication(
                configuration: TestConfiguration.service(.signals, database: url), strategies: Self.instances(), lifecycleRefresh: .milliseconds(100))
            try await app.test(.router) { client in
                try await client.waitUntilReady()
                _ = try await Self.waitFor(client) { $0.models.contains { $0.id == first.id && $0.served } }
                let live = try await SignalServiceTests.push(Array(candles[2000..<2400]), batchSize: 40, store: store, client: client)

                // The same strategy over the whole series in one pass: what a backtest of model `first` trades.
                var reference = try Self.instances()[0].makeStrategy(served: ServedModel(record: first, model: try await registry.load(id: first.id).model))
                var expected: [String] = []
                for candle in candles[..<2400] {
                    expected += reference.evaluate(candle).filter { $0.barTime >= candles[2000].openTime }.map { "\($0.side) \($0.barTime) \($0.reason)" }
                }
                #expect(!expected.isEmpty)
                #expect(live.map { "\($0.signal.side) \($0.signal.barTime) \($0.signal.reason)" } == expected)
                #expect(live.allSatisfy { $0.signal.reason.hasPrefix("model \(first.id):") })

                // The analysis of the last bar gives the probability the served strategy computed for it.
                var streaming = try StreamingModel(try await registry.load(id: first.id).model)
                var lastReading: StreamingModel.Reading?
                for candle in candles[..<2400] { lastReading = streaming.update(candle.ohlcv, openTime: candle.openTime) }
                let (status, body) = try await Self.post(client, "/api/v1/analyze", #"{"model": "regime", "symbol": "BTCUSDT"}"#)
                #expect(status == .ok, Comment(rawValue: body))
                let analysis = try JSONCoding.decoder.decode(Analysis.self, from: Data(body.utf8))
                #expect(analysis.barTime == candles[2399].openTime && analysis.exchange == "replay")
                #expect(abs(analysis.probability - (lastReading?.probability ?? -1)) < 1e-12)
                #expect(analysis.features.map(\.name) == ["return:1", "rsi:5"])
                #expect(zip(analysis.features.map(\.value), lastReading?.features ?? []).allSatisfy { abs($0 - $1) < 1e-12 })

                // Live figures: up calls resolved a bar later, each feature's stability over the 400 bars seen.
                let detail = try await client.execute(uri: "/api/v1/models/\(first.id)", method: .get) {
                    try JSONCoding.decoder.decode(Detail.self, from: $0.body)
                }
                let figures = try #require(detail.live.first)
                #expect(figures.strategy == "regime_ml" && figures.symbol == "BTCUSDT")
                #expect(figures.resolved > 50 && (figures.hitRate ?? 0) > 0.5, "persistence 0.7 is predictable: \(figures)")
                #expect(figures.features.allSatisfy { $0.observed == 400 && $0.psi != nil })
                try await client.execute(uri: "/metrics", method: .get) { response in
                    let text = String(buffer: response.body)
                    #expect(text.contains(#"keelson_model_prediction_seconds_count{model="regime"} 400"#), Comment(rawValue: text))
                    #expect(text.contains(#"keelson_model_served_version{model="regime"} \#(first.id)"#))
                    #expect(text.contains(#"keelson_model_feature_psi{model="regime",strategy="regime_ml",symbol="BTCUSDT",feature="rsi:5"}"#))
                    #expect(text.contains(#"keelson_model_live_hit_rate{model="regime",strategy="regime_ml",symbol="BTCUSDT"}"#))
                }

                // Bad requests get one sentence each.
                for (json, code, words) in [
                    (#"{"model": "nothing", "symbol": "BTCUSDT"}"#, HTTPResponse.Status.notFound, "has no active version"),
                    (#"{"model": 987654, "symbol": "BTCUSDT"}"#, .notFound, "no model 987654"),
                    (#"{"model": "regime", "symbol": "btc usdt"}"#, .badRequest, "symbol"),
                    (#"{"model": "regime", "symbol": "BTCUSDT", "interval": "7m"}"#, .badRequest, "interval"),
                    (#"{"model": "regime", "symbol": "ETHUSDT"}"#, .badRequest, "no candles of ETHUSDT 1m"),
                    (#"{"model": "regime", "symbol": "ETHUSDT", "exchange": "replay"}"#, .conflict, "too few"),
                    (#"{"symbol": "BTCUSDT"}"#, .badRequest, "model"),
                ] {
                    let (status, body) = try await Self.post(client, "/api/v1/analyze", json)
                    #expect(status == code && body.contains(words), Comment(rawValue: "\(json) → \(status) \(body)"))
                }
                try await client.execute(uri: "/api/v1/models/abc", method: .get) { #expect($0.status == .badRequest) }
                try await client.execute(uri: "/api/v1/models/987654", method: .get) { #expect($0.status == .notFound) }

                // A second version promoted, then damaged in the database: refused with the reason, and the instance waits.
                let second = try await registry.register(
                    try Self.train(candles[500..<2000]), name: "regime", dataSource: "test", trainedBy: "test", reason: "retrained")
                try await postgres.query("UPDATE model_versions SET artefact = artefact || '\n'::bytea WHERE id = \(second.id)", logger: TestDatabase.logger)
                try await postgres.query(
                    "UPDATE model_versions SET state = CASE WHEN id = \(second.id) THEN 'active' ELSE 'retired' END WHERE name = 'regime'",
                    logger: TestDatabase.logger)
                let refused = try await Self.waitFor(client) { $0.models.contains { $0.id == second.id && $0.refused != nil } }
                #expect(refused.models.first { $0.id == second.id }?.refused?.contains("SHA-256") == true, "\(refused)")
                #expect(!refused.models.contains { $0.served })
                let (damagedStatus, damagedBody) = try await Self.post(client, "/api/v1/analyze", #"{"model": "regime", "symbol": "BTCUSDT"}"#)
                #expect(damagedStatus == .unprocessableContent && damagedBody.contains("model \(second.id) cannot be used"), Comment(rawValue: damagedBody))
                #expect(try await SignalServiceTests.push(Array(candles[2400..<2450]), batchSize: 50, store: store, client: client).isEmpty)

                // Rolled back to the first version: served again at once, trading from stored history.
                _ = try await registry.promote(id: first.id, reason: "roll back", actor: "test")
                _ = try await Self.waitFor(client) { $0.models.contains { $0.id == first.id && $0.served } }
                let resumed = try await SignalServiceTests.push(Array(candles[2450..<2600]), batchSize: 50, store: store, client: client)
                var rebuilt = try Self.instances()[0].makeStrategy(served: ServedModel(record: first, model: try await registry.load(id: first.id).model))
                var again: [String] = []
                for candle in candles[..<2600] {
                    again += rebuilt.evaluate(candle).filter { $0.barTime >= candles[2450].openTime }.map { "\($0.side) \($0.barTime) \($0.reason)" }
                }
                #expect(!again.isEmpty)
                #expect(resumed.map { "\($0.signal.side) \($0.signal.barTime) \($0.signal.reason)" } == again)
            }
        }
    }

    @Test("KEELSON_MODEL_RETRAIN: a served model whose newest version is older than the schedule is retrained once, the decision recorded")
    func scheduledRetraining() async throws {
        let candles = try Self.candles()
        try await TestDatabase.withMigratedDatabase { url, postgres in
            let registry = PostgresModelRegistry(client: postgres, logger: TestDatabase.logger)
            let first = try await Self.activeFirstVersion(registry, candles)
            try await postgres.query("UPDATE model_versions SET created_at = now() - interval '8 days'", logger: TestDatabase.logger)
            let store = PostgresCandleStore(client: postgres, logger: TestDatabase.logger)
            _ = try await store.upsert(Array(candles[..<2000]))
            let schedule = ModelRetrainSchedule(
                every: 7 * 86_400, history: 2 * 86_400, walkForward: WalkForwardPlan(train: 10 * 3_600, test: 2 * 3_600), margin: 0.001,
                checkInterval: .milliseconds(100))
            let app = try buildSignalsApplication(
                configuration: TestConfiguration.service(.signals, database: url), strategies: Self.instances(), lifecycleRefresh: .milliseconds(100),
                modelRetraining: schedule)
            try await app.test(.router) { client in
                try await client.waitUntilReady()
                _ = try await Self.waitFor(client) { $0.models.contains { $0.id == first.id && $0.served } }
                // The first batch tells the service which exchange the market's candles come from; then the model is due.
                _ = try await SignalServiceTests.push(Array(candles[2000..<2100]), batchSize: 100, store: store, client: client)
                // Registered as a candidate, then promoted or retired by the decision: wait for the decision.
                var versions = try await registry.list(name: "regime")
                for _ in 0..<300 where versions.count < 2 || versions[0].state == "candidate" {
                    try await Task.sleep(for: .milliseconds(50))
                    versions = try await registry.list(name: "regime")
                }
                try #require(versions.count == 2, "no retrained version: \(versions)")
                let retrained = versions[0]
                #expect(retrained.trainedBy == "keelson-signals (KEELSON_MODEL_RETRAIN)")
                #expect(retrained.dataSource.hasPrefix("store replay BTCUSDT 1m 2024-01-01T00:0"), "\(retrained.dataSource)")
                #expect(retrained.trainingRows > 1_000)
                let events = try await registry.events(id: retrained.id)
                #expect(events.map(\.to) == ["candidate", retrained.state])
                #expect(events.first?.reason == "retrained from model \(first.id)")
                #expect(events.last?.reason.hasPrefix("retrained") == true && events.last?.reason.contains("walk-forward log-loss") == true)
                #expect(events.last?.figures?.contains("baseline_log_loss") == true)

                // The newest version is fresh now: further checks retrain nothing.
                try await Task.sleep(for: .milliseconds(600))
                #expect(try await registry.list(name: "regime").count == 2)
                try await client.execute(uri: "/metrics", method: .get) { response in
                    let text = String(buffer: response.body)
                    let outcome = retrained.state == "active" ? "promoted" : "kept"
                    #expect(text.contains(#"keelson_model_retrainings_total{model="regime",outcome="\#(outcome)"} 1"#), Comment(rawValue: text))
                }
            }
        }
    }

    @Test(
        "KEELSON_MODEL_RETRAIN and its companions: off by default, each bad value refused in one line",
        arguments: [
            ([:], nil),
            (["KEELSON_MODEL_RETRAIN": "off"], nil),
            (["KEELSON_MODEL_RETRAIN": "weekly"], "KEELSON_MODEL_RETRAIN: 'weekly' is not a duration"),
            (["KEELSON_MODEL_RETRAIN": "7d", "KEELSON_MODEL_RETRAIN_HISTORY": "3m"], "KEELSON_MODEL_RETRAIN_HISTORY: '3m' is not a duration"),
            (["KEELSON_MODEL_RETRAIN": "7d", "KEELSON_MODEL_RETRAIN_WALK_FORWARD": "30d"], "KEELSON_MODEL_RETRAIN_WALK_FORWARD: '30d' is not train="),
            (
                ["KEELSON_MODEL_RETRAIN": "7d", "KEELSON_MODEL_RETRAIN_HISTORY": "20d"],
                "KEELSON_MODEL_RETRAIN_WALK_FORWARD: one training and test window is longer than KEELSON_MODEL_RETRAIN_HISTORY"
            ),
            (["KEELSON_MODEL_RETRAIN": "7d", "KEELSON_MODEL_RETRAIN_MARGIN": "-1"], "KEELSON_MODEL_RETRAIN_MARGIN: '-1' is not a log-loss margin"),
        ] as [([String: String], String?)])
    func retrainSettings(environment: [String: String], expected: String?) throws {
        do {
            let schedule = try ModelRetrainSchedule.load(EnvironmentReader(environment))
            #expect(expected == nil && schedule == nil)
        } catch {
            #expect(error.description.hasPrefix(try #require(expected)), Comment(rawValue: error.description))
        }
        let weekly = try ModelRetrainSchedule.load(EnvironmentReader(["KEELSON_MODEL_RETRAIN": "1w", "KEELSON_MODEL_RETRAIN_MARGIN": "0.01"]))
        #expect(weekly == ModelRetrainSchedule(every: 7 * 86_400, margin: 0.01))
    }
}
