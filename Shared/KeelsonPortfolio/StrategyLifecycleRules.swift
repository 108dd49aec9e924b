import Foundation
import KeelsonStrategies
import KeelsonTrading

/// The automatic lifecycle, `"lifecycle"` in the strategies file: when a candidate is promoted on the figures of its
/// shadow book, when an active instance goes on probation, when a probation ends (back to active, or retired). Nothing is decided on fewer than `minimumTrades` round trips spanning
/// less than `minimumDays` of market time. In `manual` mode the decision is only recorded as a recommendation.
public struct StrategyLifecycleRules: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        case automatic, manual
    }

    /// Limits a strategy's figures must stay within; nil: not checked.
    public struct Thresholds: Sendable, Equatable {
        public var maxDrawdownPercent: Double?
        public var minSharpe: Double?
        public var minWinRate: Double?

        public init(maxDrawdownPercent: Double?, minSharpe: Double?, minWinRate: Double?) {
            self.maxDrawdownPercent = maxDrawdownPercent
            self.minSharpe = minSharpe
            self.minWinRate = minWinRate
        }

        /// What is outside the limits, in words; empty when everything is within. A figure that cannot be measured
        /// yet (Sharpe under three days) breaches nothing.
        func breaches(_ figures: StrategyFigures) -> [String] {
            var found: [String] = []
            if let limit = maxDrawdownPercent, figures.maxDrawdownPercent > limit {
                found.append(String(format: "drawdown %.2f %% above %.2f %%", figures.maxDrawdownPercent, limit))
            }
            if let limit = minSharpe, let sharpe = figures.sharpe, sharpe < limit {
                found.append(String(format: "Sharpe %.2f below %.2f", sharpe, limit))
            }
            if let limit = minWinRate, let rate = figures.winRate, rate < limit {
                found.append(String(format: "win rate %.1f %% below %.1f %%", rate * 100, limit * 100))
            }
            return found
        }
    }

    public var mode: Mode
    public var evaluationInterval: Duration
    public var minimumTrades: Int
    public var minimumDays: Double
    /// What a candidate's shadow figures must meet (besides a positive realised PnL) to be promoted.
    public var promotion: Thresholds
    public var probation: Thresholds
    public var retire: Thresholds
    /// How the capital limit is split across the instances after each evaluation.
    public var allocator = CapitalAllocator()

    /// Conservative: three weeks and 30 round trips before any decision.
    public init(
        mode: Mode = .automatic, evaluationInterval: Duration = .seconds(60), minimumTrades: Int = 30, minimumDays: Double = 21,
        promotion: Thresholds = Thresholds(maxDrawdownPercent: 5, minSharpe: 0.5, minWinRate: 0.4),
        probation: Thresholds = Thresholds(maxDrawdownPercent: 10, minSharpe: 0, minWinRate: 0.3),
        retire: Thresholds = Thresholds(maxDrawdownPercent: 20, minSharpe: -1, minWinRate: 0.2)
    ) {
        self.mode = mode
        self.evaluationInterval = evaluationInterval
        self.minimumTrades = minimumTrades
        self.minimumDays = minimumDays
        self.promotion = promotion
        self.probation = probation
        self.retire = retire
    }

    public struct Decision: Sendable, Equatable {
        public var target: StrategyStatus
        public var reason: String
    }

    /// What the rules say about an instance in `current` with these figures (a candidate's from its shadow book) over
    /// `spanDays` of market time; nil: no change.
    public func decide(current: StrategyStatus, figures: StrategyFigures, spanDays: Double) -> Decision? {
        guard figures.trades >= minimumTrades, spanDays >= minimumDays else { return nil }
        switch current {
        case .active:
            let breaches = probation.breaches(figures)
            return breaches.isEmpty ? nil : Decision(target: .probation, reason: "probation: " + breaches.joined(separator: "; "))
        case .probation:
            let breaches = retire.breaches(figures)
            if !breaches.isEmpty { return Decision(target: .retired, reason: "retired: " + breaches.joined(separator: "; ")) }
            return probation.breaches(figures).isEmpty
                ? Decision(target: .active, reason: "recovered: every figure back within the probation thresholds") : nil
        case .candidate:
            var shortfalls = promotion.breaches(figures)
            if figures.realizedPnl <= 0 { shortfalls.append("realised PnL \(figures.realizedPnl) not positive") }
            return shortfalls.isEmpty
                ? Decision(target: .active, reason: String(format: "promoted: %d shadow round trips meet the promotion thresholds", figures.trades))
                : nil
        case .retired, .disabled:
            return nil
        }
    }
}
