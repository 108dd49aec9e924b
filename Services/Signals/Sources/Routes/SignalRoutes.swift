import Foundation
import Hummingbird
import KeelsonContracts
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonStrategies
import Logging

/// `POST /internal/v1/candles`, `GET /api/v1/signals`, `GET /api/v1/strategies`.
struct SignalRoutes {
    static let maxCandlesPerBatch = 10_000

    struct CandleBatchResult: ResponseEncodable {
        var received: Int
        var newSignals: [StoredSignal]

        enum CodingKeys: String, CodingKey {
            case received
            case newSignals = "new_signals"
        }
    }

    struct SignalList: ResponseEncodable {
        var signals: [StoredSignal]
    }

    struct StrategySummary: Encodable {
        var id: String
        var strategy: String
        var symbols: [Symbol]
        var interval: CandleInterval
        var parameters: [String: Double]
        var enabled: Bool
        var status: StrategyStatus
        var signalsStored: Int
        var lastSignalBarTime: Date?
        /// ml_classifier: the registry model it trades on (the active version; GET /api/v1/models/{id} for its figures).
        var model: String?

        enum CodingKeys: String, CodingKey {
            case id, strategy, symbols, interval, parameters, enabled, status, model
            case signalsStored = "signals_stored"
            case lastSignalBarTime = "last_signal_bar_time"
        }
    }

    struct StrategyList: ResponseEncodable {
        var strategies: [StrategySummary]
    }

    /// The shape every control answers with (`state`, `changed`, `detail`), which the gateway's audit reads.
    struct LifecycleResult: ResponseEncodable {
        var state: String
        var changed: Bool
        var detail: String
    }

    let evaluator: StrategyEvaluator
    let gate: StrategyLifecycleGate
    let lifecycle: any StrategyLifecycleStore
    let store: any SignalStore
    let forwarder: SignalForwarder
    let metrics: SignalsMetrics
    let logger: Logger

    func register(router: Router<KeelsonRequestContext>, internalRoutes: RouterGroup<KeelsonRequestContext>) {
        internalRoutes.post(RouterPath(InternalRoute.candles.relativePath)) { request, context -> CandleBatchResult in
            let batch = try await request.decode(as: CandleBatch.self, context: context)
            guard batch.candles.count <= Self.maxCandlesPerBatch else {
                throw APIError.badRequest("a batch holds at most \(Self.maxCandlesPerBatch) candles; this one has \(batch.candles.count)")
            }
            for candle in batch.candles {
                do { _ = try candle.validated() } catch let error as DomainError { throw APIError.badRequest(error.description) }
            }
            metrics.candlesReceived(batch.candles.count)
            let evaluated = try await evaluator.evaluate(batch.candles)
            try await gate.startShadows(for: batch.candles)
            let produced = try await gate.admit(evaluated)
            let stored = try await store.insertNew(produced)
            for (strategy, group) in Dictionary(grouping: stored, by: \.strategy) {
                metrics.signalEmitted(strategy: strategy, count: group.count)
            }
            forwarder.enqueue(stored)
            return CandleBatchResult(received: batch.candles.count, newSignals: stored)
        }

        router.get("api/v1/signals") { request, _ -> SignalList in
            let query = QueryReader(request)
            let symbol = try query.parse("symbol") { text throws(DomainError) in try Symbol(parsing: text) }
            let strategy = try query.string("strategy")
            let instances = await gate.instances
            if let strategy, !instances.contains(where: { $0.id == strategy }) {
                throw APIError.notFound("strategy '\(strategy)' is not configured; configured: \(instances.map(\.id).joined(separator: ", "))")
            }
            let signals = try await store.list(
                symbol: symbol, strategy: strategy, since: try query.date("since"),
                limit: try query.integer("limit", default: 100, range: 1...1000)
            )
            return SignalList(signals: signals)
        }

        router.get("api/v1/strategies") { _, _ -> StrategyList in
            let summary = try await store.summary()
            var strategies: [StrategySummary] = []
            for instance in await gate.instances {
                strategies.append(
                    StrategySummary(
                        id: instance.id, strategy: instance.strategy, symbols: instance.symbols, interval: instance.interval,
                        parameters: instance.parameters.values, enabled: instance.enabled, status: try await gate.status(of: instance.id),
                        signalsStored: summary[instance.id]?.count ?? 0, lastSignalBarTime: summary[instance.id]?.lastBarTime,
                        model: instance.model))
            }
            return StrategyList(strategies: strategies)
        }

        internalRoutes.post("v1/strategies/:id/lifecycle") { request, context -> LifecycleResult in
            let id = try context.parameters.require("id")
            let body = try await request.decode(as: StrategyLifecycleRequest.self, context: context)
            let actions = StrategyLifecycleAction.allCases.map(\.rawValue).joined(separator: ", ")
            guard let text = body.action, let action = StrategyLifecycleAction(rawValue: text) else {
                throw APIError.badRequest("action must be one of \(actions); got \(body.action ?? "none")")
            }
            let reason = try OperatorReason.validated(
                body.reason, example: "{\"action\": \"\(text)\", \"reason\": \"why\"}", recordedIn: "the lifecycle history")
            let actor = body.actor?.isEmpty == false ? body.actor! : "operator"
            guard actor.count <= 64, !actor.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw APIError.badRequest("actor must be at most 64 printable characters: the API key name that acted")
            }
            let transition = try await lifecycle.transition(
                instance: id, reason: reason, actor: actor, figures: [:], decide: { action.target(from: $0) })
            await gate.apply(transition)
            metrics.lifecycleTransition(strategy: id, to: transition.to)
            logger.notice(
                "strategy lifecycle changed",
                metadata: ["strategy": "\(id)", "from": "\(transition.from)", "to": "\(transition.to)", "actor": "\(actor)", "reason": "\(reason)"])
            return LifecycleResult(
                state: transition.to.rawValue, changed: true, detail: "\(id): \(transition.from.rawValue) → \(transition.to.rawValue)")
        }
    }
}
