import Foundation
import KeelsonDomain

/// The trading decisions and their effects, for live trading, paper trading and the backtester alike: whether a
/// signal becomes an order and how large, what an execution does to the position, cash, fees and realised PnL,
/// which protective stop a bar triggers, the trading day, the loss limits that halt trading, and equity.
///
/// Pure: it holds no orders and does no I/O; it sees only the marks, bars and fills it is given. The engine keeps
/// one and persists what each call changed before it keeps the result; the backtester feeds it bars.
public struct TradingKernel: Sendable {
    public let risk: RiskManager
    private let symbolRules: [Symbol: SymbolRules]
    private let defaultRules: SymbolRules

    public var account: AccountState
    public var positions: [Symbol: Position]
    /// When each symbol was last stopped out, for the cooldown.
    public var lastStopOut: [Symbol: Date]
    public var limits: LossLimitState

    public init(
        risk: RiskManager, symbolRules: [Symbol: SymbolRules] = [:], defaultRules: SymbolRules = .defaultSpot,
        account: AccountState, positions: [Symbol: Position] = [:], lastStopOut: [Symbol: Date] = [:], limits: LossLimitState
    ) {
        self.risk = risk
        self.symbolRules = symbolRules
        self.defaultRules = defaultRules
        self.account = account
        self.positions = positions
        self.lastStopOut = lastStopOut
        self.limits = limits
    }

    public func rules(for symbol: Symbol) -> SymbolRules { symbolRules[symbol] ?? defaultRules }

    public var state: TradingState { limits.state }

    // MARK: Equity

    /// Cash plus every position at its mark (a position without a mark at its entry price).
    public func equity(marks: [Symbol: Decimal]) -> Decimal {
        positions.values.reduce(account.cash) { $0.plus($1.marketValue(at: marks[$1.symbol] ?? $1.averageEntryPrice)) }
    }

    public func unrealizedPnl(marks: [Symbol: Decimal]) -> Decimal {
        positions.values.reduce(Decimal(0)) { $0.plus($1.unrealizedPnl(at: marks[$1.symbol] ?? $1.averageEntryPrice)) }
    }

    // MARK: Decisions

    /// Whether a buy signal on `symbol` at `price` may open a position, and how large: the risk manager's plan.
    /// - Parameters:
    ///   - workingEntries: entry orders working on any symbol, which count as positions.
    ///   - now: when the signal's bar closed; with `interval`, for the cooldown.
    ///   - allocation: the signalling instance's share of the capital when the portfolio is allocated; an entry never costs more
    ///     than what is left of it.
    public func planEntry(
        symbol: Symbol, price: Decimal, atr: Double?, marks: [Symbol: Decimal], workingEntries: Int, now: Date, interval: CandleInterval,
        allocation: RiskManager.StrategyAllocation? = nil
    ) -> Result<RiskManager.EntryPlan, RiskRejection> {
        risk.planEntry(
            RiskManager.EntryContext(
                symbol: symbol, price: price, atr: atr, equity: equity(marks: marks), cash: account.cash,
                openPositions: positions.count + workingEntries, hasPosition: positions[symbol] != nil, state: limits.state,
                cooldownUntil: lastStopOut[symbol].map { risk.cooldownEnd(afterStopOutAt: $0, interval: interval) }, now: now,
                rules: rules(for: symbol), allocation: allocation
            ))
    }

    /// What a signal asks for once it is known to be fresh and for a traded symbol: a buy or sell of a quantity (an
    /// entry with its planned exits), or why not. The engine and `PaperBook` both decide through this.
    public enum SignalIntent: Sendable, Equatable {
        case buy(RiskManager.EntryPlan)
        case sell(Decimal)
    }

    /// - Parameters:
    ///   - entryWorking: an entry order for `symbol` is still working; another buy is refused.
    ///   - workingEntries: entry orders working on any symbol, which count as positions.
    ///   - exitWorking: a market exit for `symbol` is working; a sell is refused.
    public func decideSignal(
        side: TradeSide, symbol: Symbol, price: Decimal, barTime: Date, interval: CandleInterval, atr: Double?, marks: [Symbol: Decimal],
        entryWorking: Bool, workingEntries: Int, exitWorking: Bool, allocation: RiskManager.StrategyAllocation?
    ) -> Result<SignalIntent, RiskRejection> {
        switch side {
        case .buy:
            if entryWorking { return .failure(RiskRejection(.positionOpen, "an entry order for \(symbol) is still working")) }
            return planEntry(
                symbol: symbol, price: price, atr: atr, marks: marks, workingEntries: workingEntries,
                now: barTime.addingTimeInterval(TimeInterval(interval.seconds)), interval: interval, allocation: allocation
            ).map(SignalIntent.buy)
        case .sell:
            return planExit(symbol: symbol, exitWorking: exitWorking).map(SignalIntent.sell)
        }
    }

    /// Whether a sell signal may close `symbol`'s position: the quantity to sell, or why not.
    public func planExit(symbol: Symbol, exitWorking: Bool) -> Result<Decimal, RiskRejection> {
        guard limits.state.allowsExits else {
            return .failure(RiskRejection(.tradingStopped, "trading is stopped (kill switch): nothing is sent until an operator resumes"))
        }
        guard let position = positions[symbol], position.quantity.isPositive else {
            return .failure(RiskRejection(.noPosition, "no \(symbol) position to sell; spot trading is long only"))
        }
        if exitWorking { return .failure(RiskRejection(.exitPending, "an exit for \(symbol) is already working")) }
        return .success(position.quantity)
    }

    // MARK: Executions

    /// Applies an execution of the order `fill.orderID` on `symbol`: the position (opened by this fill when there
    /// is none), its protective stops when the order is an entry with `plannedExits`, cash, fees, realised PnL and
    /// the cooldown after a stop-out. Returns the symbol's position after the fill (quantity zero when the fill
    /// closed it) and the round trip it closed. The peak moves in `valuation(marks:)`, which the engine asks at every
    /// fill and a backtest only when it watches loss limits.
    public mutating func apply(
        _ fill: FillInput, symbol: Symbol, plannedExits: ExitPlan?
    ) throws(AccountingError) -> (position: Position, closedTrade: ClosedTrade?) {
        // Moved out of the dictionary and back rather than copied: this runs on every fill of a backtest.
        var position = positions.removeValue(forKey: symbol) ?? Position(symbol: symbol, entryOrderID: fill.orderID, openedAt: fill.time, stops: nil)
        let effect: FillEffect
        do {
            effect = try position.apply(fill)
        } catch {
            positions[symbol] = position.quantity.isPositive ? position : nil
            throw error
        }
        if fill.side == .buy, let plannedExits {
            var stops = plannedExits.stops(entryPrice: position.averageEntryPrice, rules: rules(for: symbol))
            stops.highestPrice = max(position.stops?.highestPrice ?? 0, position.averageEntryPrice)
            position.stops = stops
        }
        account.cash = account.cash.plus(effect.cashDelta)
        account.realizedPnl = account.realizedPnl.plus(effect.realizedPnlDelta)
        account.feesPaid = account.feesPaid.plus(fill.fee)
        if position.quantity.isPositive { positions[symbol] = position }
        if let trade = effect.closedTrade, trade.exitReason == .stopLoss || trade.exitReason == .trailingStop {
            lastStopOut[symbol] = trade.exitTime
        }
        return (position, effect.closedTrade)
    }

    /// Equity and unrealised PnL at `marks` after a fill, the peak raised to that equity.
    public mutating func valuation(marks: [Symbol: Decimal]) -> (equity: Decimal, unrealizedPnl: Decimal) {
        let equity = equity(marks: marks)
        limits.peakEquity = max(limits.peakEquity, equity)
        return (equity, unrealizedPnl(marks: marks))
    }

    /// An order's average fill price after another execution, to 12 places.
    public static func averageFillPrice(previous: Decimal?, filled: Decimal, adding quantity: Decimal, at price: Decimal) -> Decimal {
        let total = filled + quantity
        return (((previous ?? 0) * filled + price * quantity) / total).rounded(scale: 12)
    }

    // MARK: Bars

    /// What a bar did to a position's protective stops.
    public enum StopOutcome: Sendable, Equatable {
        /// An exit is due at the trigger's price.
        case triggered(ExitTrigger)
        /// The trailing stop followed the bar's high.
        case moved
        case unchanged
    }

    /// Checks `candle` against the protective stops of its symbol's position: a crossed level is an exit; otherwise
    /// the trailing stop ratchets up. Nothing happens without stops, while the kill switch is on, or while an exit
    /// is already working.
    public mutating func protectiveStops(on candle: Candle, exitWorking: Bool) -> StopOutcome {
        guard limits.state.allowsExits, !exitWorking, var position = positions[candle.symbol], position.quantity.isPositive,
            let stops = position.stops
        else { return .unchanged }
        if let trigger = stops.trigger(on: candle) { return .triggered(trigger) }
        let advanced = stops.advanced(by: candle)
        guard advanced != stops else { return .unchanged }
        position.stops = advanced
        positions[candle.symbol] = position
        return .moved
    }

    /// A bar opening at `time` arrives: on a new UTC day, the day's loss counts from equity at `marks`.
    public mutating func rollTradingDay(to time: Date, marks: @autoclosure () -> [Symbol: Decimal]) {
        guard limits.isNewDay(time) else { return }
        let current = self
        limits.roll(to: time) { current.equity(marks: marks()) }
    }

    /// Equity at the end of a bar (or a batch of bars): a new peak is kept, and the daily-loss or drawdown limit an
    /// active session broke is returned. The caller halts (`limits.state = .halted`) once it has recorded why.
    public mutating func checkLossLimits(equity: Decimal) -> LimitBreach? {
        limits.peakEquity = max(limits.peakEquity, equity)
        guard limits.state == .active else { return nil }
        return risk.limitBreach(equity: equity, dayStartEquity: limits.dayStartEquity ?? limits.initialBalance, peakEquity: limits.peakEquity)
    }
}
