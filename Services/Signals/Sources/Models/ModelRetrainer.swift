import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonModels
import KeelsonPersistence
import Logging
import ServiceLifecycle

/// Retrains each served model on `KEELSON_MODEL_RETRAIN`'s schedule: when the newest version of a name is older
/// than the schedule, its active version's recipe is trained again on the latest stored history of the market an
/// ml_classifier instance trades it on, and the registry records the decision (`ModelRetraining`: promoted only
/// when it beats the active version and the baseline by the margin). One replica retrains a name at a time; the
/// promotion reaches every replica with the next refresh.
struct ModelRetrainer: Service {
    static let actor = "keelson-signals (KEELSON_MODEL_RETRAIN)"
    /// A page of stored candles read at a time.
    static let pageSize = 10_000

    let schedule: ModelRetrainSchedule
    let server: ModelServer
    let evaluator: StrategyEvaluator
    let candles: any CandleStore
    let metrics: SignalsMetrics?
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await retrainDue(now: Date())
                try await Task.sleep(for: schedule.checkInterval)
            }
        }
    }

    /// Retrains every served name that is due; a failure is logged and tried again at the next check.
    func retrainDue(now: Date) async {
        for (name, served) in await server.served.sorted(by: { $0.key < $1.key }) {
            guard let market = await market(of: name) else { continue }
            do {
                let outcome = try await server.registry.whileRetraining(name: name) { () async throws -> ModelVersionRecord? in
                    let newest = try await server.registry.newestRegistration(name: name) ?? served.record.createdAt
                    guard now.timeIntervalSince(newest) >= schedule.every else { return nil }
                    return try await retrain(served, name: name, market: market)
                }
                guard let record = outcome ?? nil else { continue }
                metrics?.retrained(model: name, outcome: record.state == "active" ? "promoted" : "kept")
            } catch {
                metrics?.retrained(model: name, outcome: "failed")
                logger.warning(
                    "scheduled retraining failed; the active version stays, and it is tried again at the next check",
                    metadata: ["model": "\(name)", "error": "\((error as? ModelError)?.description ?? DatabaseErrorDescription.describe(error))"])
            }
        }
    }

    struct Market {
        var exchange: String
        var symbol: Symbol
        var interval: CandleInterval
    }

    /// The market the name's first ml_classifier instance trades (its first symbol), once candles of it arrived.
    func market(of name: String) async -> Market? {
        guard let instance = await evaluator.instances.first(where: { $0.model == name && $0.enabled }), let symbol = instance.symbols.first,
            let exchange = await evaluator.lastExchange(symbol: symbol, interval: instance.interval)
        else { return nil }
        return Market(exchange: exchange, symbol: symbol, interval: instance.interval)
    }

    func retrain(_ served: ServedModel, name: String, market: Market) async throws -> ModelVersionRecord {
        let bars = try await history(market)
        guard let first = bars.first, let last = bars.last else {
            throw ModelError("no stored candles of \(market.exchange) \(market.symbol) \(market.interval.rawValue) to retrain on")
        }
        let end = last.openTime.addingTimeInterval(TimeInterval(market.interval.seconds))
        let decision = try ModelRetraining.run(
            active: served.model, bars: bars, walkForward: schedule.walkForward.modelWindows(start: first.openTime, end: end), margin: schedule.margin)
        let source =
            "store \(market.exchange) \(market.symbol) \(market.interval.rawValue) \(first.openTime.formatted(.iso8601)) to \(end.formatted(.iso8601))"
        let record = try await server.registry.recordRetraining(
            decision, name: name, activeID: served.record.id, dataSource: source, actor: Self.actor)
        logger.notice("model retrained on schedule", metadata: ["model": "\(name)", "version": "\(record.id)", "decision": "\(decision.reason)"])
        return record
    }

    /// The last `schedule.history` of stored bars, ending at the newest stored one (market time: replayed history
    /// retrains like live history).
    func history(_ market: Market) async throws -> [TimedBar] {
        guard
            let newest = try await candles.candles(
                exchange: market.exchange, symbol: market.symbol, interval: market.interval, before: nil, limit: 1
            ).first
        else { return [] }
        var after = newest.openTime.addingTimeInterval(-schedule.history)
        var bars: [TimedBar] = []
        while true {
            let page = try await candles.candles(
                exchange: market.exchange, symbol: market.symbol, interval: market.interval, after: after, limit: Self.pageSize)
            bars += page.map { TimedBar(openTime: $0.openTime, ohlcv: $0.ohlcv) }
            guard page.count == Self.pageSize, let last = page.last else { return bars }
            after = last.openTime
        }
    }
}
