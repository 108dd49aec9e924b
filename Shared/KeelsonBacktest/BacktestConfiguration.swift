import Foundation
import KeelsonTrading

/// How a backtest trades: the cash it starts with, how an entry is sized, and the execution model that turns
/// orders into fills — the same `ExecutionModel` the paper broker uses.
public struct BacktestConfiguration: Sendable {
    public enum Sizing: Sendable, Equatable {
        /// floor(equity ÷ fill price) whole units, computed at fill time (backtesting.py's convention).
        case allIn
        /// The live risk manager: risk per trade over an ATR stop, its caps, and its protective stops.
        case risk(RiskSettings)
    }

    public var initialCash: Decimal
    public var sizing: Sizing
    public var execution: ExecutionModel
    public var rules: SymbolRules
    /// The year Sharpe, Sortino and volatility are annualised over; nil: detected from the data (bars on weekends:
    /// every day, 365; none: weekdays, 252).
    public var calendar: TradingCalendar?

    public init(initialCash: Decimal, sizing: Sizing, execution: ExecutionModel, rules: SymbolRules, calendar: TradingCalendar? = nil) {
        self.initialCash = initialCash
        self.sizing = sizing
        self.execution = execution
        self.rules = rules
        self.calendar = calendar
    }

    /// No fees, no slippage, no participation cap: the conventions the reference backtests (TA-Lib, backtesting.py) use.
    public static let frictionless = ExecutionModel(
        spreadBps: 0, impactBps: 0, volatilityFactor: 0, takerFeeRate: 0, makerFeeRate: 0, latencyMilliseconds: 0, maxParticipation: nil
    )

    /// Whole units at any price: what all-in sizing of a stock buys.
    public static let wholeUnits = SymbolRules(tickSize: 0, stepSize: 1, minQuantity: 1, minNotional: 0)
}
