import Foundation
import KeelsonPersistence
import KeelsonPortfolio
import KeelsonStrategies
import KeelsonTrading
import Logging
import PostgresNIO
import ServiceLifecycle

/// Applies the lifecycle rules on a schedule: each instance's figures (every round trip of the newest session's mode,
/// measured on that session's initial balance, as `GET /api/v1/trading/strategies`; a candidate's from its shadow book,
/// `ShadowReplay`) are judged by
/// `StrategyLifecycleRules`; in automatic mode a decision is a transition by actor `rules`, with the figures in its
/// event; in manual mode it is recorded as the instance's recommendation.
public struct StrategyLifecycleEvaluator: Service {
    let rules: StrategyLifecycleRules
    let store: any StrategyLifecycleStore
    let gate: StrategyLifecycleGate?
    let postgres: PostgresClient
    let allocations: PostgresCapitalAllocationStore
    let metrics: SignalsMetrics?
    let logger: Logger
    /// Candidates' shadow books, and where the signal service last saw each series from; nil: candidates are not judged.
    let shadow: (replay: ShadowReplay, evaluator: StrategyEvaluator)?

    /// Outside the signal service (a benchmark): no gate to tell and no metrics; only the store learns of moves.
    public init(rules: StrategyLifecycleRules, store: any StrategyLifecycleStore, postgres: PostgresClient, logger: Logger) {
        self.init(rules: rules, store: store, gate: nil, postgres: postgres, metrics: nil, logger: logger)
    }

    init(
        rules: StrategyLifecycleRules, store: any StrategyLifecycleStore, gate: StrategyLifecycleGate?, postgres: PostgresClient,
        metrics: SignalsMetrics?, logger: Logger, shadow: (replay: ShadowReplay, evaluator: StrategyEvaluator)? = nil
    ) {
        self.shadow = shadow
        self.rules = rules
        self.store = store
        self.gate = gate
        self.postgres = postgres
        self.allocations = PostgresCapitalAllocationStore(client: postgres, logger: logger)
        self.metrics = metrics
        self.logger = logger
    }

    public struct Outcome: Equatable, Sendable {
        public var instance: String
        public var decision: StrategyLifecycleRules.Decision?
        public var applied: Bool
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: rules.evaluationInterval)
                do {
                    _ = try await evaluate()
                } catch {
                    logger.warning("strategy lifecycle rules not evaluated", metadata: ["error": "\(DatabaseErrorDescription.describe(error))"])
                }
            }
        }
    }

    /// One evaluation of every recorded instance; what the rules said about each.
    public func evaluate() async throws -> [Outcome] {
        guard let reads = try await TradingReadRepository.newestSessionMode(client: postgres, logger: logger),
            let session = try await reads.session()
        else { return [] }
        let capital = Decimal(string: session.initialBalance) ?? 0
        let trades = Dictionary(grouping: try await reads.attributedTrades(), by: \.strategy)
        var outcomes: [Outcome] = []
        var recommendations: [StrategyRecommendation] = []
        var sharpes: [String: Double] = [:]
        var shadowFigures: [String: [String: String]] = [:]
        // Instances no longer configured (or `"enabled": false`) do not run: nothing to judge, no capital.
        for (instance, record) in try await store.states().filter(\.value.configured).sorted(by: { $0.key < $1.key }) {
            let inShadow = record.status == .candidate
            let own = inShadow ? try await shadowTrades(of: record) : trades[instance] ?? []
            let figures = StrategyFigures.measure(own, capital: capital)
            metrics?.figures(strategy: instance, figures)
            sharpes[instance] = figures.sharpe
            let span = own.isEmpty ? 0 : (own.map(\.exitTime).max()!.timeIntervalSince(own.map(\.entryTime).min()!)) / 86_400
            if inShadow { shadowFigures[instance] = Self.describe(figures, spanDays: span) }
            let decision = rules.decide(current: record.status, figures: figures, spanDays: span)
            switch rules.mode {
            case .manual:
                recommendations.append(StrategyRecommendation(instance: instance, target: decision?.target, reason: decision?.reason))
                outcomes.append(Outcome(instance: instance, decision: decision, applied: false))
            case .automatic:
                guard let decision else {
                    outcomes.append(Outcome(instance: instance, decision: nil, applied: false))
                    continue
                }
                let from = record.status
                do {
                    let transition = try await store.transition(
                        instance: instance, reason: decision.reason, actor: "rules",
                        figures: Self.describe(figures, spanDays: span).merging(inShadow ? ["source": "shadow book"] : [:]) { $1 }
                    ) { current in
                        current == from ? .success(decision.target) : .failure(StrategyLifecycleRefusal("it moved to \(current.rawValue) meanwhile"))
                    }
                    await gate?.apply(transition)
                    metrics?.lifecycleTransition(strategy: instance, to: transition.to)
                    logger.notice(
                        "strategy lifecycle changed",
                        metadata: [
                            "strategy": "\(instance)", "from": "\(transition.from)", "to": "\(transition.to)", "actor": "rules",
                            "reason": "\(decision.reason)",
                        ])
                    outcomes.append(Outcome(instance: instance, decision: decision, applied: true))
                } catch StrategyLifecycleError.refused {
                    // Another replica or an operator moved it since the states were read; the next evaluation judges it again.
                    outcomes.append(Outcome(instance: instance, decision: decision, applied: false))
                }
            }
        }
        try await store.recommend(recommendations)
        try await store.recordShadowFigures(shadowFigures)
        try await allocate(capital: capital, sharpes: sharpes)
        return outcomes
    }

    /// A candidate's shadow round trips since its shadow start; none before that start or for an instance not running here.
    func shadowTrades(of record: StrategyStateRecord) async throws -> [AttributedTrade] {
        guard let shadow, let since = record.shadowSince, let gate,
            let instance = await gate.instances.first(where: { $0.id == record.instance }), let symbol = instance.symbols.first,
            let exchange = await shadow.evaluator.lastExchange(symbol: symbol, interval: instance.interval)
        else { return [] }
        return try await shadow.replay.roundTrips(of: instance, since: since, exchange: exchange)
    }

    /// Splits the capital limit (the session's initial balance) across the instances in their states after this
    /// evaluation, and records the split when it changed.
    func allocate(capital: Decimal, sharpes: [String: Double]) async throws {
        let states = try await store.states()
        let inputs = states.values.filter(\.configured).sorted { $0.instance < $1.instance }.map {
            CapitalAllocator.Input(instance: $0.instance, status: $0.status, sharpe: sharpes[$0.instance])
        }
        let now = Date()
        let records = rules.allocator.allocate(inputs, limit: capital).map { allocation in
            let input = inputs.first { $0.instance == allocation.instance }!
            return CapitalAllocationRecord(
                instance: allocation.instance, status: input.status.rawValue, share: allocation.share, amount: allocation.amount, computedAt: now,
                inputs: ["sharpe": input.sharpe.map { String(format: "%.4f", $0) } ?? "none", "capital_limit": capital.description])
        }
        if try await allocations.record(records, limit: capital) {
            logger.notice("capital allocation changed", metadata: ["allocations": "\(records.map { "\($0.instance)=\($0.amount)" })"])
        }
    }

    static func describe(_ figures: StrategyFigures, spanDays: Double) -> [String: String] {
        var described = [
            "trades": String(figures.trades), "wins": String(figures.wins), "realized_pnl": figures.realizedPnl.description,
            "max_drawdown_percent": String(format: "%.4f", figures.maxDrawdownPercent), "span_days": String(format: "%.2f", spanDays),
        ]
        if let rate = figures.winRate { described["win_rate"] = String(format: "%.4f", rate) }
        if let sharpe = figures.sharpe { described["sharpe"] = String(format: "%.4f", sharpe) }
        return described
    }
}
