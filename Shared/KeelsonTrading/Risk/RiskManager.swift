import Foundation
import KeelsonDomain

/// The rules every signal passes before any order, and the limits that halt trading. Pure: it sees only what
/// it is given, so live trading, paper trading and the backtester make the same decisions on the same inputs.
public struct RiskManager: Sendable {
    public let settings: RiskSettings
    public let takerFeeRate: Decimal

    /// The share of cash an entry may spend.
    public static let cashUsable = Decimal(string: "0.99")!

    public init(settings: RiskSettings, takerFeeRate: Decimal) {
        self.settings = settings
        self.takerFeeRate = takerFeeRate
    }

    /// What the risk manager knows when a buy signal arrives.
    public struct EntryContext: Sendable {
        public var symbol: Symbol
        /// The price at decision time (the signal's close), used for sizing.
        public var price: Decimal
        public var atr: Double?
        public var equity: Decimal
        public var cash: Decimal
        public var openPositions: Int
        public var hasPosition: Bool
        public var state: TradingState
        public var cooldownUntil: Date?
        public var now: Date
        public var rules: SymbolRules
        /// The signalling instance's share of the capital, when the portfolio is allocated (nil: no cap of its own).
        public var allocation: StrategyAllocation?

        public init(
            symbol: Symbol, price: Decimal, atr: Double?, equity: Decimal, cash: Decimal, openPositions: Int, hasPosition: Bool,
            state: TradingState, cooldownUntil: Date?, now: Date, rules: SymbolRules, allocation: StrategyAllocation? = nil
        ) {
            self.symbol = symbol
            self.price = price
            self.atr = atr
            self.equity = equity
            self.cash = cash
            self.openPositions = openPositions
            self.hasPosition = hasPosition
            self.state = state
            self.cooldownUntil = cooldownUntil
            self.now = now
            self.rules = rules
            self.allocation = allocation
        }
    }

    /// What a strategy instance may still put into positions: its allocated amount of the capital less what its open
    /// positions and working entries already cost.
    public struct StrategyAllocation: Sendable, Equatable {
        public var instance: String
        public var amount: Decimal
        public var used: Decimal

        public init(instance: String, amount: Decimal, used: Decimal) {
            self.instance = instance
            self.amount = amount
            self.used = used
        }

        public var remaining: Decimal { max(0, amount - used) }
    }

    /// An accepted entry: how much to buy and the exits that will guard it.
    public struct EntryPlan: Sendable, Equatable {
        public var quantity: Decimal
        public var stopDistance: Decimal
        public var stops: ProtectiveStops
    }

    public func planEntry(_ context: EntryContext) -> Result<EntryPlan, RiskRejection> {
        let symbol = context.symbol
        switch context.state {
        case .halted: return .failure(RiskRejection(.tradingHalted, "trading is halted: no new entries until an operator resumes"))
        case .stopped: return .failure(RiskRejection(.tradingStopped, "trading is stopped (kill switch): nothing is sent until an operator resumes"))
        case .active: break
        }
        if context.hasPosition { return .failure(RiskRejection(.positionOpen, "\(symbol) already has an open position; one position per symbol")) }
        if context.openPositions >= settings.maxOpenPositions {
            return .failure(
                RiskRejection(.maxOpenPositions, "\(context.openPositions) positions are open, the maximum is \(settings.maxOpenPositions)"))
        }
        if let until = context.cooldownUntil, context.now < until {
            return .failure(RiskRejection(.cooldown, "\(symbol) is cooling down after a stop-out until \(until.formatted(.iso8601))"))
        }
        guard context.price > 0 else { return .failure(RiskRejection(.noPrice, "no price for \(symbol) yet")) }
        guard let atr = context.atr, atr > 0 else {
            return .failure(
                RiskRejection(.noVolatility, "no ATR(\(settings.atrPeriod)) for \(symbol) yet: it needs \(settings.atrPeriod + 1) candles"))
        }
        let stopDistance = context.rules.roundedPrice(Decimal(approximating: atr) * settings.stopATRMultiple, .up)
        guard stopDistance > 0, stopDistance < context.price else {
            return .failure(RiskRejection(.noVolatility, "\(symbol): a stop \(stopDistance) below \(context.price) is not a usable stop"))
        }

        let riskBudget = context.equity * settings.riskPerTradePercent / 100
        var quantity = riskBudget / stopDistance
        let exposureCap = context.equity * settings.maxSymbolExposurePercent / 100
        // 1 % of cash stays in reserve for slippage and a gap to the next open, so a cash-limited entry cannot
        // fill for more than the cash there is.
        let cashCap = context.cash * Self.cashUsable / (1 + takerFeeRate)
        var notionalCap = min(settings.maxPositionNotional, exposureCap, cashCap)
        if let allocation = context.allocation {
            guard allocation.amount > 0 else {
                return .failure(
                    RiskRejection(
                        .allocationUsed,
                        "\(allocation.instance) has no capital allocated in the latest split; it gets a share at the next allocation if it is active or on probation"
                    ))
            }
            guard allocation.remaining > 0 else {
                return .failure(
                    RiskRejection(
                        .allocationUsed,
                        "\(allocation.instance) has used its allocation: \(allocation.used.rounded(scale: 2)) in positions and working entries of its own against \(allocation.amount.rounded(scale: 2)) allocated"
                    ))
            }
            notionalCap = min(notionalCap, allocation.remaining)
        }
        guard notionalCap > 0 else {
            return .failure(RiskRejection(.insufficientCash, "no cash available for \(symbol): cash \(context.cash.rounded(scale: 2))"))
        }
        quantity = min(quantity, notionalCap / context.price)

        switch context.rules.sizedQuantity(quantity, price: context.price, symbol: symbol) {
        case .failure(let rejection): return .failure(rejection)
        case .success(let sized):
            let stopPrice = context.rules.roundedPrice(context.price - stopDistance, .down)
            let takeProfit = settings.takeProfitRewardRatio.map { context.rules.roundedPrice(context.price + stopDistance * $0, .up) }
            let trailing = settings.trailingATRMultiple.map { context.rules.roundedPrice(Decimal(approximating: atr) * $0, .up) }
            let stops = ProtectiveStops(stopPrice: stopPrice, takeProfitPrice: takeProfit, trailingDistance: trailing, highestPrice: context.price)
            return .success(EntryPlan(quantity: sized, stopDistance: stopDistance, stops: stops))
        }
    }

    /// The limit `equity` breaks, if any: the day's loss from `dayStartEquity` or the drawdown from `peakEquity`.
    public func limitBreach(equity: Decimal, dayStartEquity: Decimal, peakEquity: Decimal) -> LimitBreach? {
        if dayStartEquity > 0 {
            let loss = (dayStartEquity - equity) / dayStartEquity * 100
            if loss >= settings.dailyLossLimitPercent {
                return LimitBreach(
                    kind: .dailyLossLimit,
                    reason:
                        "daily loss \(loss.rounded(scale: 2)) % reached the limit of \(settings.dailyLossLimitPercent) % (equity \(equity.rounded(scale: 2)) against \(dayStartEquity.rounded(scale: 2)) at the start of the day)"
                )
            }
        }
        if peakEquity > 0 {
            let drawdown = (peakEquity - equity) / peakEquity * 100
            if drawdown >= settings.maxDrawdownPercent {
                return LimitBreach(
                    kind: .maxDrawdown,
                    reason:
                        "drawdown \(drawdown.rounded(scale: 2)) % reached the limit of \(settings.maxDrawdownPercent) % (equity \(equity.rounded(scale: 2)) against a peak of \(peakEquity.rounded(scale: 2)))"
                )
            }
        }
        return nil
    }

    /// When a symbol may be entered again after a stop-out on the bar closing at `exitTime`.
    public func cooldownEnd(afterStopOutAt exitTime: Date, interval: CandleInterval) -> Date {
        exitTime.addingTimeInterval(TimeInterval(Int64(settings.cooldownBars) * interval.seconds))
    }
}

/// A loss limit that was hit; trading halts with this reason.
public struct LimitBreach: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case dailyLossLimit = "daily_loss_limit"
        case maxDrawdown = "max_drawdown"
    }

    public var kind: Kind
    public var reason: String
}
