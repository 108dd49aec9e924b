import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonStrategies
import KeelsonTrading

/// One backtest fed bar by bar, so history can stream through it from a file or the candle store in chunks and
/// memory stays flat however long the history is. It drives the engine's `TradingKernel`: the strategy's signals
/// on each bar's close, orders that fill at the next bar's open through `ExecutionModel`, entries sized all-in or
/// by the risk manager, exits by signal or by protective stops, the daily-loss and drawdown halts (risk sizing),
/// and the kernel's accounting. Money is exact (Decimal) wherever it changes hands; the per-bar equity that only
/// feeds statistics and charts is a Double, because a Decimal multiply on every bar costs more than everything else
/// the bar does — so the loss limits are checked exactly only on bars whose Double equity comes near one.
public struct BacktestRun {
    /// An order the simulated broker is working, as the paper broker works it: filled at the opens of the bars
    /// after its decision, at most the execution model's share of each bar's volume at a time.
    struct WorkingOrder {
        var side: TradeSide
        /// nil: all-in, sized at the fill.
        var remaining: Decimal?
        var cause: OrderCause
        var exits: ExitPlan?
        var decidedAfterBar: Date
    }

    private var strategy: any Strategy
    private let configuration: BacktestConfiguration
    private var kernel: TradingKernel
    /// Risk sizing: entries planned by the kernel's risk manager, and its loss limits watched.
    private let riskSized: Bool
    private var limitWatch: LossLimitWatch?
    private let latency: TimeInterval
    private var working: WorkingOrder?
    private var trades: [ClosedTrade] = []
    private var halts: [BacktestResult.Halt] = []
    private var barsInMarket = 0
    private var orderID: Int64 = 0
    private var atr: ATR?
    private var currentATR: Double?
    /// Cash and quantity held, exact and as Doubles, refreshed at each fill, for the per-bar equity.
    private var heldQuantity = Decimal(0)
    private var cashValue: Double
    private var heldQuantityValue = 0.0
    private var lastClose: Decimal?
    private var lastCloseValue = 0.0
    private var tracker: EquityTracker
    /// The held position's stops as Doubles, rebuilt whenever they change.
    private var stopsClearance: StopsClearance?
    /// Whether a position is held, kept beside it so the per-bar path need not look into the position.
    private var inMarket = false
    /// Told every bar's open time and equity at its close (equity.csv).
    private let equityObserver: ((Date, Double) -> Void)?

    public init(strategy: any Strategy, configuration: BacktestConfiguration, equityObserver: ((Date, Double) -> Void)? = nil) {
        self.strategy = strategy
        self.configuration = configuration
        self.equityObserver = equityObserver
        cashValue = configuration.initialCash.doubleValue
        tracker = EquityTracker(initialEquity: cashValue)
        latency = configuration.execution.latencyMilliseconds / 1000
        let settings: RiskSettings
        if case .risk(let risk) = configuration.sizing {
            settings = risk
            riskSized = true
            atr = try? ATR(period: risk.atrPeriod)
            limitWatch = LossLimitWatch(settings: risk, initialEquity: cashValue)
        } else {
            // All-in sizing consults no risk manager and has no loss limits.
            settings = .conservative(maxCapital: configuration.initialCash)
            riskSized = false
        }
        kernel = TradingKernel(
            risk: RiskManager(settings: settings, takerFeeRate: configuration.execution.takerFeeRate),
            defaultRules: configuration.rules, account: AccountState(cash: configuration.initialCash, realizedPnl: 0, feesPaid: 0),
            limits: LossLimitState(
                state: .active, peakEquity: configuration.initialCash, tradingDay: nil, dayStartEquity: nil, initialBalance: configuration.initialCash
            )
        )
    }

    /// Bars fed so far.
    public var bars: Int { tracker.bars }

    /// Feeds the next bar; `ohlcv` is the same bar as Doubles (`candle.ohlcv`), made by whoever reads the data.
    public mutating func process(_ bar: Candle, _ ohlcv: OHLCV) {
        // 0. A new UTC day's loss counts from equity at the last close, as in the engine.
        if limitWatch != nil, kernel.limits.isNewDay(bar.openTime) { startDay(bar) }
        // 1. Orders decided on an earlier close fill at this bar's open.
        if let order = working, bar.openTime > order.decidedAfterBar {
            work(referencePrice: bar.open, bar: bar, time: bar.openTime)
        }
        // 2. Protective stops (risk sizing): a crossed stop cancels the rest of the entry and exits at its level.
        if let clearance = stopsClearance, !clearance.isClear(of: ohlcv) {
            switch kernel.protectiveStops(on: bar, exitWorking: working?.side == .sell) {
            case .triggered(let trigger):
                working = WorkingOrder(
                    side: .sell, remaining: heldQuantity, cause: trigger.cause, exits: nil, decidedAfterBar: bar.openTime.addingTimeInterval(-1))
                work(referencePrice: trigger.price, bar: bar, time: bar.closeTime)
            case .moved:
                stopsClearance = kernel.positions[bar.symbol]?.stops.map(StopsClearance.init)
            case .unchanged:
                break
            }
        }
        if let value = atr?.update(ohlcv) { currentATR = value }
        let equity = cashValue + heldQuantityValue * ohlcv.close
        // 3. The loss limits at the close, before the strategy sees it: a halt refuses this close's entries.
        if limitWatch != nil { watchLimits(bar: bar, equity: equity) }
        // 4. The strategy sees the close; what it decides trades from the next open.
        for signal in strategy.evaluate(bar, bar: ohlcv) {
            decide(signal, bar: bar)
        }
        if inMarket { barsInMarket += 1 }
        tracker.record(time: bar.openTime, equity: equity, close: ohlcv.close)
        equityObserver?(bar.openTime, equity)
        lastClose = bar.close
        lastCloseValue = ohlcv.close
    }

    /// Feeds a bar from before the tested window to the indicators only — no orders, equity or statistics — so a
    /// window (a walk-forward test) starts with its indicators warm, as they would be trading on.
    public mutating func warmUp(_ bar: Candle, _ ohlcv: OHLCV) {
        _ = strategy.evaluate(bar, bar: ohlcv)
        if let value = atr?.update(ohlcv) { currentATR = value }
    }

    /// The result after the last bar: trades, the open position marked at the last close, statistics.
    public func finish() -> BacktestResult {
        let held = kernel.positions.values.first
        let finalEquity = kernel.account.cash.plus(lastClose.flatMap { close in held.map { $0.marketValue(at: close) } } ?? 0)
        let openTrade = held.map { held in
            BacktestResult.OpenTrade(
                entryTime: held.openedAt, entryPrice: held.averageEntryPrice, quantity: held.quantity,
                unrealizedPnl: held.unrealizedPnl(at: lastClose ?? held.averageEntryPrice)
            )
        }
        var statisticsTracker = tracker
        // The statistics take the exact final equity rather than its Double running estimate.
        if let lastTime = tracker.lastTime, tracker.bars > 0 {
            statisticsTracker.replaceLast(time: lastTime, equity: finalEquity.doubleValue)
        }
        let statistics = BacktestStatistics(
            initialCash: configuration.initialCash, equity: statisticsTracker, trades: trades, feesPaid: kernel.account.feesPaid,
            barsInMarket: barsInMarket, calendar: configuration.calendar
        )
        return BacktestResult(
            trades: trades, halts: halts, openTrade: openTrade, equityCurve: tracker.curve(lastClose: lastCloseValue), bars: tracker.bars,
            firstBarTime: tracker.firstTime, lastBarTime: tracker.lastTime, finalEquity: finalEquity, feesPaid: kernel.account.feesPaid,
            barsInMarket: barsInMarket, statistics: statistics
        )
    }

    private var marks: [Symbol: Decimal] {
        guard let lastClose, let symbol = kernel.positions.keys.first else { return [:] }
        return [symbol: lastClose]
    }

    private mutating func startDay(_ bar: Candle) {
        let marks = marks
        kernel.rollTradingDay(to: bar.openTime, marks: marks)
        limitWatch?.dayStarted(equity: kernel.limits.dayStartEquity ?? kernel.limits.initialBalance)
    }

    /// Asks the kernel about the loss limits when the bar's Double equity may be a new peak or near a limit.
    private mutating func watchLimits(bar: Candle, equity: Double) {
        guard kernel.limits.state == .active, var watch = limitWatch else { return }
        if !inMarket {
            guard !watch.flatSeen else { return }
            watch.flatSeen = true
        }
        switch watch.observe(equity: equity) {
        case .clear:
            break
        case .newPeak:
            watch.pendingPeak = LossLimitWatch.PendingPeak(cash: kernel.account.cash, quantity: heldQuantity, close: bar.close)
        case .check:
            if let pending = watch.pendingPeak { _ = kernel.checkLossLimits(equity: pending.equity) }
            if let breach = kernel.checkLossLimits(equity: kernel.account.cash.plus(heldQuantity.times(bar.close))) {
                kernel.limits.state = .halted
                halts.append(BacktestResult.Halt(time: bar.openTime, kind: breach.kind.rawValue, reason: breach.reason))
            }
            watch.settled(peak: kernel.limits.peakEquity)
        }
        limitWatch = watch
    }

    private mutating func decide(_ signal: StrategySignal, bar: Candle) {
        switch signal.side {
        case .buy where !inMarket && working?.side != .buy:
            guard riskSized else {
                working = WorkingOrder(side: .buy, remaining: nil, cause: .signal, exits: nil, decidedAfterBar: bar.openTime)
                return
            }
            let plan = kernel.planEntry(
                symbol: bar.symbol, price: signal.price, atr: currentATR, marks: [:], workingEntries: 0, now: bar.closeTime, interval: bar.interval)
            if case .success(let plan) = plan {
                working = WorkingOrder(
                    side: .buy, remaining: plan.quantity, cause: .signal, exits: plan.exitPlan(decisionPrice: signal.price),
                    decidedAfterBar: bar.openTime
                )
            }
        case .sell where inMarket && working?.side != .sell:
            if case .success(let quantity) = kernel.planExit(symbol: bar.symbol, exitWorking: false) {
                working = WorkingOrder(side: .sell, remaining: quantity, cause: .signal, exits: nil, decidedAfterBar: bar.openTime)
            }
        default:
            break
        }
    }

    /// Fills what it can of the working order at `referencePrice`.
    private mutating func work(referencePrice: Decimal, bar: Candle, time: Date) {
        guard var order = working else { return }
        let execution = configuration.execution
        let rules = configuration.rules
        let filled: SimulatedFill?
        let wanted: Decimal
        if let remaining = order.remaining {
            wanted = remaining
            filled =
                remaining.isPositive
                ? execution.fill(side: order.side, quantity: remaining, referencePrice: referencePrice, bar: bar, rules: rules) : nil
        } else {
            let entry = Backtester.allInEntry(cash: kernel.account.cash, open: referencePrice, bar: bar, execution: execution, rules: rules)
            wanted = entry?.quantity ?? 0
            filled = entry?.fill
        }
        guard let filled else {
            working = nil
            return
        }
        if !inMarket { orderID += 1 }
        let fill = FillInput(
            orderID: orderID, side: order.side, quantity: filled.quantity, price: filled.price, fee: filled.fee,
            time: time.addingTimeInterval(latency), cause: order.cause
        )
        guard let outcome = try? kernel.apply(fill, symbol: bar.symbol, plannedExits: order.exits) else {
            working = nil
            return
        }
        // The engine values every fill at its bar's close, which may set a new peak for the drawdown limit.
        if limitWatch != nil { _ = kernel.valuation(marks: [bar.symbol: bar.close]) }
        if let trade = outcome.closedTrade { trades.append(trade) }
        let position = outcome.position
        inMarket = position.quantity.isPositive
        heldQuantity = position.quantity
        stopsClearance = inMarket ? position.stops.map(StopsClearance.init) : nil
        cashValue = kernel.account.cash.doubleValue
        heldQuantityValue = heldQuantity.doubleValue
        limitWatch?.filled(peak: kernel.limits.peakEquity)
        let remaining = wanted.minus(filled.quantity)
        order.remaining = remaining
        working = remaining.isPositive && (order.side == .buy || inMarket) ? order : nil
    }
}

/// A position's stop, take-profit and highest price as Doubles widened by a safety margin, so a bar that is clearly
/// clear of all of them — it neither reaches a level nor makes a new high for the trailing stop — skips the exact
/// `Decimal` checks (four comparisons at about 0.35 µs each, on every bar a position is held). Any bar near a level
/// takes the exact path, so the outcome is the exact one.
struct StopsClearance {
    var stop: Double
    var target: Double?
    var highest: Double

    init(_ stops: ProtectiveStops) {
        func above(_ value: Decimal) -> Double { let double = value.doubleValue; return double + abs(double) * 1e-9 + 1e-12 }
        func below(_ value: Decimal) -> Double { let double = value.doubleValue; return double - abs(double) * 1e-9 - 1e-12 }
        stop = above(stops.effectiveStop.price)
        target = stops.takeProfitPrice.map(below)
        highest = below(stops.highestPrice)
    }

    func isClear(of bar: OHLCV) -> Bool {
        guard bar.open > stop, bar.low > stop, bar.high < highest else { return false }
        guard let target else { return true }
        return bar.open < target && bar.high < target
    }
}
