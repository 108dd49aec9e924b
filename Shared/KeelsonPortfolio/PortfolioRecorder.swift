import Foundation
import KeelsonDomain
import KeelsonStrategies
import KeelsonTrading

/// What a portfolio backtest did: each instance's round trips, figures, PnL curve and state, the transitions the rules
/// made (or, in manual mode, recommended), the capital splits, the halts and the portfolio's equity.
public struct PortfolioBacktestResult: Sendable {
    public struct InstanceResult: Sendable {
        public var id: String
        public var finalStatus: StrategyStatus
        /// Its round trips on the portfolio's account.
        public var roundTrips: [PaperBook.RoundTrip]
        public var figures: StrategyFigures
        /// Its shadow book's round trips while it was a candidate.
        public var shadowRoundTrips: [PaperBook.RoundTrip]
        /// Realised plus unrealised PnL (shadow PnL while a candidate), sampled every 15 minutes of market time.
        public var pnlCurve: [(time: Date, pnl: Double)]
        /// Signals its state kept from the engine.
        public var suppressedSignals: Int
    }

    public struct Transition: Sendable, Equatable {
        public var time: Date
        public var instance: String
        public var from: StrategyStatus
        public var to: StrategyStatus
        public var reason: String
        /// False in manual mode: the rules only recommended it.
        public var applied: Bool
        public var trades: Int
        public var realizedPnl: Decimal
        public var maxDrawdownPercent: Double
    }

    public struct Allocation: Sendable, Equatable {
        public var time: Date
        public var amounts: [String: Decimal]
    }

    public var instances: [InstanceResult]
    public var transitions: [Transition]
    public var allocations: [Allocation]
    public var halts: [PaperBook.Halt]
    public var roundTrips: [PaperBook.RoundTrip]
    public var initialCash: Decimal
    public var finalEquity: Decimal
    public var cash: Decimal
    public var feesPaid: Decimal
    /// Sampled as the PnL curves.
    public var equityCurve: [(time: Date, equity: Double)]
}

/// Collects a portfolio backtest's history as it runs.
struct PortfolioRecorder {
    static let sampleSeconds: TimeInterval = 900

    private let initialCash: Decimal
    private var curves: [String: [(time: Date, pnl: Double)]]
    private var equityCurve: [(time: Date, equity: Double)] = []
    private var suppressed: [String: Int] = [:]
    private var transitions: [PortfolioBacktestResult.Transition] = []
    private var allocations: [PortfolioBacktestResult.Allocation] = []
    private var shadowRoundTrips: [String: [PaperBook.RoundTrip]] = [:]
    private var lastSample: Date?

    init(instances: [String], initialCash: Decimal) {
        self.initialCash = initialCash
        curves = Dictionary(uniqueKeysWithValues: instances.map { ($0, []) })
    }

    mutating func suppressed(_ instance: String) { suppressed[instance, default: 0] += 1 }

    mutating func afterStep(time: Date, book: PaperBook, shadows: [String: PaperBook]) {
        if let lastSample, time.timeIntervalSince(lastSample) < Self.sampleSeconds { return }
        sample(time: time, book: book, shadows: shadows)
    }

    private mutating func sample(time: Date, book: PaperBook, shadows: [String: PaperBook]) {
        lastSample = time
        equityCurve.append((time, book.equity().doubleValue))
        for instance in curves.keys {
            curves[instance]!.append((time, Self.pnl(of: instance, in: shadows[instance] ?? book).doubleValue))
        }
    }

    /// `instance`'s realised PnL in `book` and the unrealised PnL of the positions it opened there.
    static func pnl(of instance: String, in book: PaperBook) -> Decimal {
        let realized = book.roundTrips.reduce(Decimal(0)) { $1.instance == instance ? $0 + $1.trade.pnl : $0 }
        return book.kernel.positions.values.reduce(realized) { sum, position in
            guard book.holder(of: position.symbol) == instance else { return sum }
            return sum + position.unrealizedPnl(at: book.marks[position.symbol] ?? position.averageEntryPrice)
        }
    }

    mutating func decided(
        time: Date, instance: String, from: StrategyStatus, decision: StrategyLifecycleRules.Decision, applied: Bool, figures: StrategyFigures,
        shadow: PaperBook?
    ) {
        transitions.append(
            PortfolioBacktestResult.Transition(
                time: time, instance: instance, from: from, to: decision.target, reason: decision.reason, applied: applied, trades: figures.trades,
                realizedPnl: figures.realizedPnl, maxDrawdownPercent: figures.maxDrawdownPercent))
        if applied, let shadow { shadowRoundTrips[instance] = shadow.roundTrips }
    }

    mutating func allocated(time: Date, _ split: [CapitalAllocator.Allocation]) {
        allocations.append(
            PortfolioBacktestResult.Allocation(time: time, amounts: Dictionary(uniqueKeysWithValues: split.map { ($0.instance, $0.amount) })))
    }

    func result(
        lastTime: Date?, book: PaperBook, shadows: [String: PaperBook], states: [String: StrategyStatus], instances: [String]
    ) -> PortfolioBacktestResult {
        var recorder = self
        if let time = lastTime, recorder.lastSample != time { recorder.sample(time: time, book: book, shadows: shadows) }
        let results = instances.map { id in
            let own = book.roundTrips.filter { $0.instance == id }
            return PortfolioBacktestResult.InstanceResult(
                id: id, finalStatus: states[id] ?? .candidate, roundTrips: own,
                figures: StrategyFigures.measure(own.map(\.attributed), capital: initialCash),
                shadowRoundTrips: (recorder.shadowRoundTrips[id] ?? []) + (shadows[id]?.roundTrips ?? []), pnlCurve: recorder.curves[id] ?? [],
                suppressedSignals: recorder.suppressed[id] ?? 0)
        }
        return PortfolioBacktestResult(
            instances: results, transitions: recorder.transitions, allocations: recorder.allocations, halts: book.halts, roundTrips: book.roundTrips,
            initialCash: initialCash, finalEquity: book.equity(), cash: book.kernel.account.cash, feesPaid: book.kernel.account.feesPaid,
            equityCurve: recorder.equityCurve)
    }
}
