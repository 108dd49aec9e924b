import Foundation
import Hummingbird
import KeelsonDomain
import KeelsonModels
import KeelsonPersistence
import KeelsonServiceKit

/// `GET /api/v1/models`, `GET /api/v1/models/{id}`, `POST /api/v1/analyze`: the registry's versions, what the
/// served ones do live, and a model's probability with the features behind it for a symbol now.
struct ModelRoutes {
    struct VersionSummary: Encodable {
        var id: Int64
        var name: String
        var version: Int
        var kind: String
        var label: String
        var features: [String]
        var state: String
        /// Whether this replica predicts with it (the active version, verified).
        var served: Bool
        /// Why an active version is not served.
        var refused: String?
        var testLogLoss: Double?
        var trainedBy: String
        var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, name, version, kind, label, features, state, served, refused
            case testLogLoss = "test_log_loss"
            case trainedBy = "trained_by"
            case createdAt = "created_at"
        }
    }

    struct VersionList: ResponseEncodable {
        var models: [VersionSummary]
    }

    struct LiveFeature: Encodable {
        var name: String
        /// nil until enough live values were seen, or for a model trained before deciles were kept.
        var psi: Double?
        var observed: Int
    }

    struct LiveFigures: Encodable {
        var strategy: String
        var symbol: Symbol
        var hitRate: Double?
        var resolved: Int
        var features: [LiveFeature]

        enum CodingKeys: String, CodingKey {
            case strategy, symbol, resolved, features
            case hitRate = "hit_rate"
        }
    }

    struct Event: Encodable {
        var from: String?
        var to: String
        var reason: String
        var actor: String
        var at: Date
    }

    struct VersionDetail: ResponseEncodable {
        var model: VersionSummary
        var dataSource: String
        var hyperParameters: [String: String]
        var training: TrainedModel.Window
        var test: TrainedModel.Window?
        var sha256: String
        /// The frozen standardisation, as model.json has it (nil when the artefact cannot be read).
        var frozenFeatures: [TrainedModel.FrozenFeature]?
        var metrics: ModelMetrics?
        var live: [LiveFigures]
        var events: [Event]

        enum CodingKeys: String, CodingKey {
            case model, training, test, sha256, metrics, live, events
            case dataSource = "data_source"
            case hyperParameters = "hyper_parameters"
            case frozenFeatures = "frozen_features"
        }
    }

    /// `{"model": "NAME" | ID, "symbol": "BTCUSDT", "interval": "1m", "exchange": "replay"}`.
    struct AnalyzeRequest: Decodable {
        var model: ModelReference
        var symbol: String
        var interval: String?
        var exchange: String?

        enum ModelReference: Decodable {
            case name(String)
            case id(Int64)

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let id = try? container.decode(Int64.self) {
                    self = .id(id)
                } else {
                    self = .name(try container.decode(String.self))
                }
            }
        }
    }

    struct AnalyzedFeature: Encodable {
        var name: String
        var value: Double
        var standardized: Double
    }

    struct Analysis: ResponseEncodable {
        var model: VersionSummary
        var exchange: String
        var symbol: Symbol
        var interval: CandleInterval
        var barTime: Date
        var close: Double
        /// The probability of the label (for next_return:h=H, that the close H bars on is above this one).
        var probability: Double
        var features: [AnalyzedFeature]
        var barsUsed: Int

        enum CodingKeys: String, CodingKey {
            case model, exchange, symbol, interval, probability, features, close
            case barTime = "bar_time"
            case barsUsed = "bars_used"
        }
    }

    let server: ModelServer
    let evaluator: StrategyEvaluator
    let candles: any CandleStore
    /// As many bars as a rebuilt strategy replays, so the analysis scores the bar as the served strategy did.
    let historyBars: Int

    func register(router: Router<KeelsonRequestContext>) {
        router.get("api/v1/models") { request, _ -> VersionList in
            let query = QueryReader(request)
            let name = try query.string("name")
            if let name, !ModelName.isValid(name) { throw APIError.badRequest("name '\(name)' is not a model name: \(ModelName.rule)") }
            let records = try await server.registry.list(name: name, limit: try query.integer("limit", default: 100, range: 1...1000))
            var models: [VersionSummary] = []
            for record in records { models.append(await summary(record)) }
            return VersionList(models: models)
        }

        router.get("api/v1/models/:id") { _, context -> VersionDetail in
            let text = try context.parameters.require("id")
            guard let id = Int64(text), id > 0 else { throw APIError.badRequest("'\(text)' is not a model id; ids are whole numbers (keelson model list)") }
            guard let record = try await server.registry.versions(id: id).first else { throw ModelRegistryError.noSuchModel(id: id) }
            let model = try? await server.version(id: id).model
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let live = await evaluator.monitoring(modelID: id).map { entry in
                LiveFigures(
                    strategy: entry.instance, symbol: entry.symbol, hitRate: entry.track.hits.rate, resolved: entry.track.hits.resolved,
                    features: zip(entry.track.features, entry.track.drift).map { name, drift in
                        LiveFeature(
                            name: name.description,
                            psi: (drift?.observed ?? 0) >= ModelMonitor.minimumObservations ? drift?.index : nil, observed: drift?.observed ?? 0)
                    })
            }
            return VersionDetail(
                model: await summary(record), dataSource: record.dataSource, hyperParameters: record.hyperParameters,
                training: TrainedModel.Window(from: record.trainingFrom, to: record.trainingTo, rows: record.trainingRows),
                test: record.testFrom.flatMap { from in
                    record.testTo.map { TrainedModel.Window(from: from, to: $0, rows: record.testRows ?? 0) }
                },
                sha256: record.sha256, frozenFeatures: model?.features,
                metrics: model?.metrics ?? (try? decoder.decode(ModelMetrics.self, from: Data(record.metrics.utf8))), live: live,
                events: try await server.registry.events(id: id).map { Event(from: $0.from, to: $0.to, reason: $0.reason, actor: $0.actor, at: $0.at) })
        }

        router.post("api/v1/analyze") { request, context -> Analysis in
            let body = try await request.decode(as: AnalyzeRequest.self, context: context)
            let symbol: Symbol
            do { symbol = try Symbol(parsing: body.symbol) } catch let error as DomainError { throw APIError.badRequest("symbol: \(error.description)") }
            let served: ServedModel
            switch body.model {
            case let .id(id): served = try await server.version(id: id)
            case let .name(name):
                guard ModelName.isValid(name) else { throw APIError.badRequest("model '\(name)' is not a model name or id: \(ModelName.rule)") }
                served = try await server.active(named: name)
            }
            var interval = CandleInterval.oneMinute
            if let text = body.interval {
                do { interval = try CandleInterval(parsing: text) } catch let error as DomainError { throw APIError.badRequest("interval: \(error.description)") }
            }
            let exchange: String
            if let given = body.exchange {
                guard given.count <= 32, given.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                    throw APIError.badRequest("exchange '\(given)' is not an exchange name; names are 1 to 32 lower-case letters, digits, _ or -")
                }
                exchange = given
            } else if let seen = await evaluator.lastExchange(symbol: symbol, interval: interval) {
                exchange = seen
            } else {
                throw APIError.badRequest(
                    "no candles of \(symbol) \(interval.rawValue) have reached this service yet; name the exchange they are stored under, e.g. \"exchange\": \"replay\"")
            }
            let bars = try await candles.candles(exchange: exchange, symbol: symbol, interval: interval, before: nil, limit: historyBars)
            return try await analyze(served, bars: bars, exchange: exchange, symbol: symbol, interval: interval)
        }
    }

    func analyze(_ served: ServedModel, bars: [Candle], exchange: String, symbol: Symbol, interval: CandleInterval) async throws -> Analysis {
        var streaming: StreamingModel
        do { streaming = try StreamingModel(served.model) } catch { throw ModelRegistryError.unusable(id: served.record.id, reason: error.description) }
        var last: (candle: Candle, reading: StreamingModel.Reading)?
        for candle in bars {
            if let reading = streaming.update(candle.ohlcv, openTime: candle.openTime) { last = (candle, reading) } else { last = nil }
        }
        guard let last, last.candle.openTime == bars.last?.openTime else {
            throw APIError(
                .conflict, code: "conflict",
                detail: "\(bars.count) stored candles of \(exchange) \(symbol) \(interval.rawValue) are too few for model \(served.record.id): "
                    + "its features need \(streaming.warmUp) bars to warm up")
        }
        var scaled = last.reading.features
        served.model.standardization.apply(&scaled)
        return Analysis(
            model: await summary(served.record), exchange: exchange, symbol: symbol, interval: interval, barTime: last.candle.openTime,
            close: last.candle.ohlcv.close, probability: last.reading.probability,
            features: served.model.featureNames.indices.map {
                AnalyzedFeature(name: served.model.featureNames[$0].description, value: last.reading.features[$0], standardized: scaled[$0])
            },
            barsUsed: bars.count)
    }

    func summary(_ record: ModelVersionRecord) async -> VersionSummary {
        let served = await server.served[record.name]?.record.id == record.id
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let metrics = try? decoder.decode(ModelMetrics.self, from: Data(record.metrics.utf8))
        return VersionSummary(
            id: record.id, name: record.name, version: record.version, kind: record.kind, label: record.label, features: record.features,
            state: record.state, served: served, refused: await server.refused[record.id], testLogLoss: metrics?.test?.logLoss,
            trainedBy: record.trainedBy, createdAt: record.createdAt)
    }
}

extension ModelServingError: APIErrorConvertible {
    var apiError: APIError { .notFound(description) }
}
