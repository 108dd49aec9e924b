import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonStrategies
import KeelsonTrading

/// A backtest of a strategy portfolio: several instances on several symbols trading one shared account, as the
/// signal service and the engine trade them live — the same `PaperBook` steps, signals admitted by each instance's
/// lifecycle state, candidates trading in shadow books of their own — with the lifecycle rules and the capital
/// allocator replayed on history, so an operator sees what the rules would have done. Fed one batch of bars (one per
/// symbol) per step, in market order.
public struct PortfolioBacktest {
    /// One instance of the portfolio: its strategy on each of its symbols, and the state it starts in.
    public struct Instance: Sendable {
        public var id: String
        public var status: StrategyStatus
        /// In the order its signals are decided; each symbol has a strategy of its own.
        public var strategies: [(symbol: Symbol, strategy: any Strategy)]

        public init(id: String, status: StrategyStatus, strategies: [(symbol: Symbol, strategy: any Strategy)]) {
            self.id = id
            self.status = status
            self.strategies = strategies
        }
    }

    public struct Configuration: Sendable {
        public var initialCash: Decimal
        public var risk: RiskSettings
        public var execution: ExecutionModel
        public var rules: [Symbol: SymbolRules]
        /// nil: every instance keeps its state and no capital is allocated (entries sized from equity alone).
        public var lifecycle: StrategyLifecycleRules?

        public init(
            initialCash: Decimal, risk: RiskSettings, execution: ExecutionModel, rules: [Symbol: SymbolRules], lifecycle: StrategyLifecycleRules?
        ) {
            self.initialCash = initialCash
            self.risk = risk
            self.execution = execution
            self.rules = rules
            self.lifecycle = lifecycle
        }
    }

    private var instances: [Instance]
    private let configuration: Configuration
    private var book: PaperBook
    /// The book each candidate trades in shadow until it is promoted.
    private var shadows: [String: PaperBook] = [:]
    private var states: [String: StrategyStatus]
    private var atr: [Symbol: ATR] = [:]
    private var currentATR: [Symbol: Double] = [:]
    private var signalID: Int64 = 0
    private var nextEvaluation: Date?
    private var lastTime: Date?
    private var recorder: PortfolioRecorder

    public init(instances: [Instance], configuration: Configuration) {
        self.instances = instances
        self.configuration = configuration
        book = PaperBook(kernel: Self.kernel(configuration), execution: configuration.execution)
        states = Dictionary(uniqueKeysWithValues: instances.map { ($0.id, $0.status) })
        recorder = PortfolioRecorder(instances: instances.map(\.id), initialCash: configuration.initialCash)
        for instance in instances where instance.status == .candidate {
            shadows[instance.id] = PaperBook(kernel: Self.kernel(configuration), execution: configuration.execution)
        }
    }

    static func kernel(_ configuration: Configuration) -> TradingKernel {
        let cash = configuration.initialCash
        return TradingKernel(
            risk: RiskManager(settings: configuration.risk, takerFeeRate: configuration.execution.takerFeeRate), symbolRules: configuration.rules,
            account: AccountState(cash: cash, realizedPnl: 0, feesPaid: 0),
            limits: LossLimitState(state: .active, peakEquity: cash, tradingDay: nil, dayStartEquity: nil, initialBalance: cash))
    }

    /// One step of market time: the bars, then every instance's signals on them, then the rules when they are due.
    public mutating func process(_ bars: [Candle]) throws(AccountingError) {
        guard let closeTime = bars.map(\.closeTime).max() else { return }
        lastTime = closeTime
        try book.ingest(bars)
        for id in shadows.keys.sorted() { try shadows[id]!.ingest(bars) }
        for bar in bars {
            if atr[bar.symbol] == nil { atr[bar.symbol] = try? ATR(period: configuration.risk.atrPeriod) }
            if let value = atr[bar.symbol]?.update(bar.ohlcv) { currentATR[bar.symbol] = value }
        }
        for index in instances.indices {
            let id = instances[index].id
            for slot in instances[index].strategies.indices {
                let symbol = instances[index].strategies[slot].symbol
                for bar in bars where bar.symbol == symbol {
                    for signal in instances[index].strategies[slot].strategy.evaluate(bar) { route(signal, from: id) }
                }
            }
        }
        recorder.afterStep(time: closeTime, book: book, shadows: shadows)
        if let rules = configuration.lifecycle {
            if nextEvaluation == nil { nextEvaluation = closeTime.addingTimeInterval(Self.seconds(rules.evaluationInterval)) }
            if let due = nextEvaluation, closeTime >= due {
                evaluate(rules, at: closeTime)
                nextEvaluation = closeTime.addingTimeInterval(Self.seconds(rules.evaluationInterval))
            }
        }
    }

    /// A signal goes where its instance's state sends it: a candidate's to its shadow book, an entry only from an
    /// active or probation instance, an exit from every instance that may hold a position.
    private mutating func route(_ signal: StrategySignal, from instance: String) {
        signalID += 1
        let order = PaperBook.Signal(
            id: signalID, instance: instance, symbol: signal.symbol, side: signal.side, price: signal.price, barTime: signal.barTime,
            interval: signal.interval)
        let status = states[instance] ?? .candidate
        if status == .candidate {
            shadows[instance]?.decide(order, atr: currentATR[signal.symbol])
        } else if signal.side == .buy ? status.takesEntries : status.takesExits {
            book.decide(order, atr: currentATR[signal.symbol])
        } else {
            recorder.suppressed(instance)
        }
    }

    /// The rules on each instance's figures so far (a candidate's from its shadow book), then the capital split.
    private mutating func evaluate(_ rules: StrategyLifecycleRules, at time: Date) {
        var sharpes: [String: Double] = [:]
        for instance in instances.map(\.id) {
            let status = states[instance] ?? .candidate
            let trades = (status == .candidate ? shadows[instance]?.roundTrips ?? [] : book.roundTrips).filter { $0.instance == instance }
                .map(\.attributed)
            let figures = StrategyFigures.measure(trades, capital: configuration.initialCash)
            sharpes[instance] = figures.sharpe
            let span = trades.isEmpty ? 0 : trades.map(\.exitTime).max()!.timeIntervalSince(trades.map(\.entryTime).min()!) / 86_400
            guard let decision = rules.decide(current: status, figures: figures, spanDays: span) else { continue }
            recorder.decided(
                time: time, instance: instance, from: status, decision: decision, applied: rules.mode == .automatic, figures: figures,
                shadow: shadows[instance])
            guard rules.mode == .automatic else { continue }
            states[instance] = decision.target
            if status == .candidate { shadows[instance] = nil }
        }
        let inputs = instances.map { CapitalAllocator.Input(instance: $0.id, status: states[$0.id] ?? .candidate, sharpe: sharpes[$0.id]) }
        let split = rules.allocator.allocate(inputs, limit: configuration.initialCash)
        let amounts = Dictionary(uniqueKeysWithValues: split.map { ($0.instance, $0.amount) })
        if amounts != book.allocations {
            book.allocations = amounts
            recorder.allocated(time: time, split)
        }
    }

    public func finish() -> PortfolioBacktestResult {
        recorder.result(lastTime: lastTime, book: book, shadows: shadows, states: states, instances: instances.map(\.id))
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
    }
}

extension PaperBook.RoundTrip {
    public var attributed: AttributedTrade {
        AttributedTrade(
            strategy: instance, symbol: trade.symbol.rawValue, entryTime: trade.entryTime, exitTime: trade.exitTime, pnl: trade.pnl, fees: trade.fees)
    }
}
