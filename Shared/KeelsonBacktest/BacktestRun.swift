import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonStrategies
import KeelsonTrading

/// One backtest fed bar by bar, so history can stream through it from a file or the candle store in chunks and
/// memory stays flat however long the history is. Runs the live trading code: the strategy's signals on each
/// bar's close, orders that fill at the next bar's open through `ExecutionModel`, entries sized all-in or by
/// `RiskManager`, exits by signal or by `ProtectiveStops`, and `Position` accounting. Money is exact (Decimal)
/// wherever it changes hands; the per-bar equity that only feeds statistics and charts is a Double, because a
/// Decimal multiply on every bar costs more than everything else the bar does.
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
    private let riskManager: RiskManager?
    private let latency: TimeInterval
    private var cash: Decimal
    private var position: Position?
    private var working: WorkingOrder?
    private var trades: [ClosedTrade] = []
    private var fees = Decimal(0)
    private var barsInMarket = 0
    private var orderID: Int64 = 0
    private var lastStopOut: Date?
    private var atr: ATR?
    private var currentATR: Double?
    /// Cash and quantity held as Doubles, refreshed at each fill, for the per-bar equity.
    private var cashValue: Double
    private var heldQuantity = 0.0
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
        cash = configuration.initialCash
        cashValue = configuration.initialCash.doubleValue
        tracker = EquityTracker(initialEquity: cashValue)
        latency = configuration.execution.latencyMilliseconds / 1000
        if case .risk(let settings) = configuration.sizing {
            riskManager = RiskManager(settings: settings, takerFeeRate: configuration.execution.takerFeeRate)
            atr = try? ATR(period: settings.atrPeriod)
        } else {
            riskManager = nil
        }
    }

    /// Bars fed so far.
    public var bars: Int { tracker.bars }

    /// Feeds the next bar; `ohlcv` is the same bar as Doubles (`candle.ohlcv`), made by whoever reads the data.
    public mutating func process(_ bar: Candle, _ ohlcv: OHLCV) {
        // 1. Orders decided on an earlier close fill at this bar's open.
        if let order = working, bar.openTime > order.decidedAfterBar {
            work(referencePrice: bar.open, bar: bar, time: bar.openTime)
        }
        // 2. Protective stops (risk sizing): a crossed stop cancels the rest of the entry and exits at its level.
        if let clearance = stopsClearance, !clearance.isClear(of: ohlcv), working?.side != .sell, var held = position, let stops = held.stops {
            if let trigger = stops.trigger(on: bar) {
                working = WorkingOrder(side: .sell, remaining: held.quantity, cause: trigger.cause, exits: nil, decidedAfterBar: bar.openTime.addingTimeInterval(-1))
                work(referencePrice: trigger.price, bar: bar, time: bar.closeTime)
            } else {
                let advanced = stops.advanced(by: bar)
                held.stops = advanced
                position = held
                stopsClearance = StopsClearance(advanced)
            }
        }
        if let value = atr?.update(ohlcv) { currentATR = value }
        // 3. The strategy sees the close; what it decides trades from the next open.
        for signal in strategy.evaluate(bar, bar: ohlcv) {
            decide(signal, bar: bar)
        }
        if inMarket { barsInMarket += 1 }
        let equity = cashValue + heldQuantity * ohlcv.close
        tracker.record(time: bar.openTime, equity: equity, close: ohlcv.close)
        equityObserver?(bar.openTime, equity)
        lastClose = bar.close
        lastCloseValue = ohlcv.close
    }

    /// The result after the last bar: trades, the open position marked at the last close, statistics.
    public func finish() -> BacktestResult {
        let finalEquity = cash + (lastClose.flatMap { close in position.map { $0.marketValue(at: close) } } ?? 0)
        let openTrade = position.map { held in
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
            initialCash: configuration.initialCash, equity: statisticsTracker, trades: trades, feesPaid: fees, barsInMarket: barsInMarket
        )
        return BacktestResult(
            trades: trades, openTrade: openTrade, equityCurve: tracker.curve(lastClose: lastCloseValue), bars: tracker.bars,
            firstBarTime: tracker.firstTime, lastBarTime: tracker.lastTime, finalEquity: finalEquity, feesPaid: fees,
            barsInMarket: barsInMarket, statistics: statistics
        )
    }

    private mutating func decide(_ signal: StrategySignal, bar: Candle) {
        switch signal.side {
        case .buy where position == nil && working?.side != .buy:
            guard let riskManager else {
                working = WorkingOrder(side: .buy, remaining: nil, cause: .signal, exits: nil, decidedAfterBar: bar.openTime)
                return
            }
            let context = RiskManager.EntryContext(
                symbol: bar.symbol, price: signal.price, atr: currentATR, equity: cash, cash: cash, openPositions: 0, hasPosition: false,
                state: .active, cooldownUntil: lastStopOut.map { riskManager.cooldownEnd(afterStopOutAt: $0, interval: bar.interval) },
                now: bar.closeTime, rules: configuration.rules
            )
            if case .success(let plan) = riskManager.planEntry(context) {
                working = WorkingOrder(
                    side: .buy, remaining: plan.quantity, cause: .signal, exits: plan.exitPlan(decisionPrice: signal.price), decidedAfterBar: bar.openTime
                )
            }
        case .sell where position != nil && working?.side != .sell:
            working = WorkingOrder(side: .sell, remaining: position?.quantity, cause: .signal, exits: nil, decidedAfterBar: bar.openTime)
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
            filled = remaining.isPositive ? execution.fill(side: order.side, quantity: remaining, referencePrice: referencePrice, bar: bar, rules: rules) : nil
        } else {
            let entry = Backtester.allInEntry(cash: cash, open: referencePrice, bar: bar, execution: execution, rules: rules)
            wanted = entry?.quantity ?? 0
            filled = entry?.fill
        }
        guard let filled else {
            working = nil
            return
        }
        if position == nil { orderID += 1 }
        // Taken out and put back rather than copied: a position is a few hundred bytes and this runs on every fill.
        var current = position.take() ?? Position(symbol: bar.symbol, entryOrderID: orderID, openedAt: time.addingTimeInterval(latency), stops: nil)
        guard let effect = try? current.apply(FillInput(
            orderID: orderID, side: order.side, quantity: filled.quantity, price: filled.price, fee: filled.fee,
            time: time.addingTimeInterval(latency), cause: order.cause
        )) else {
            position = current.quantity.isPositive ? current : nil
            working = nil
            return
        }
        cash = cash.plus(effect.cashDelta)
        fees = fees.plus(filled.fee)
        if order.side == .buy, let exits = order.exits {
            var stops = exits.stops(entryPrice: current.averageEntryPrice, rules: rules)
            stops.highestPrice = max(current.stops?.highestPrice ?? 0, current.averageEntryPrice)
            current.stops = stops
        }
        if let trade = effect.closedTrade {
            trades.append(trade)
            if order.cause == .stopLoss || order.cause == .trailingStop { lastStopOut = trade.exitTime }
        }
        position = current.quantity.isPositive ? current : nil
        inMarket = position != nil
        stopsClearance = position?.stops.map(StopsClearance.init)
        cashValue = cash.doubleValue
        heldQuantity = position?.quantity.doubleValue ?? 0
        let remaining = wanted.minus(filled.quantity)
        order.remaining = remaining
        working = remaining.isPositive && (order.side == .buy || position != nil) ? order : nil
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
