import Foundation
import KeelsonDomain
import KeelsonTrading

/// The figures of a backtest; docs/BACKTEST.md gives each formula. Returns are of daily closes of equity (the last
/// equity of each UTC day), annualised over the data's `TradingCalendar` (`PerformanceMeasures`); no risk-free rate.
public struct BacktestStatistics: Sendable, Equatable, Codable {
    public var initialEquity: Double
    public var finalEquity: Double
    public var totalReturnPercent: Double
    public var cagrPercent: Double
    public var annualizedVolatilityPercent: Double
    public var sharpe: Double?
    public var sortino: Double?
    public var calmar: Double?
    public var maxDrawdownPercent: Double
    /// Longest time from a peak to the next new peak (or to the end), in days.
    public var maxDrawdownDays: Double
    public var trades: Int
    public var winRatePercent: Double?
    public var profitFactor: Double?
    public var expectancy: Double?
    public var averageWin: Double?
    public var averageLoss: Double?
    public var exposurePercent: Double
    public var feesPaid: Double
    /// The year the figures are annualised over.
    public var calendar: TradingCalendar

    enum CodingKeys: String, CodingKey {
        case sharpe, sortino, calmar, trades, expectancy
        case initialEquity = "initial_equity", finalEquity = "final_equity", totalReturnPercent = "total_return_percent"
        case cagrPercent = "cagr_percent", annualizedVolatilityPercent = "annualized_volatility_percent"
        case maxDrawdownPercent = "max_drawdown_percent", maxDrawdownDays = "max_drawdown_days", winRatePercent = "win_rate_percent"
        case profitFactor = "profit_factor", averageWin = "average_win", averageLoss = "average_loss"
        case exposurePercent = "exposure_percent", feesPaid = "fees_paid", calendar
    }

    /// - Parameter calendar: nil: detected from the data (`TradingCalendar.detected`).
    public init(initialCash: Decimal, equity: EquityTracker, trades: [ClosedTrade], feesPaid: Decimal, barsInMarket: Int, calendar: TradingCalendar?)
    {
        let initial = initialCash.doubleValue
        let final = equity.bars > 0 ? equity.lastEquity : initial
        initialEquity = initial
        finalEquity = final
        totalReturnPercent = initial > 0 ? (final / initial - 1) * 100 : 0
        let years = equity.bars > 1 ? equity.lastTime!.timeIntervalSince(equity.firstTime!) / (365.25 * 86_400) : 0
        cagrPercent = PerformanceMeasures.cagrPercent(initial: initial, final: final, years: years)
        let calendar = calendar ?? .detected(weekendDays: equity.weekendDays)
        self.calendar = calendar
        let returns = PerformanceMeasures.dailyReturns(equity.dailyCloses)
        annualizedVolatilityPercent = PerformanceMeasures.annualizedVolatility(returns, calendar: calendar) * 100
        sharpe = PerformanceMeasures.sharpe(returns, calendar: calendar)
        sortino = PerformanceMeasures.sortino(returns, calendar: calendar)

        maxDrawdownPercent = -equity.worstDrawdown * 100
        maxDrawdownDays = equity.longestDrawdownIncludingOpen / 86_400
        calmar = equity.worstDrawdown > 0 ? cagrPercent / (equity.worstDrawdown * 100) : nil

        self.trades = trades.count
        let pnls = trades.map(\.pnl.doubleValue)
        let wins = pnls.filter { $0 > 0 }
        let losses = pnls.filter { $0 < 0 }
        winRatePercent = pnls.isEmpty ? nil : Double(wins.count) / Double(pnls.count) * 100
        let grossLoss = -losses.reduce(0, +)
        profitFactor = grossLoss > 0 ? wins.reduce(0, +) / grossLoss : nil
        expectancy = pnls.isEmpty ? nil : pnls.reduce(0, +) / Double(pnls.count)
        averageWin = wins.isEmpty ? nil : wins.reduce(0, +) / Double(wins.count)
        averageLoss = losses.isEmpty ? nil : losses.reduce(0, +) / Double(losses.count)
        exposurePercent = equity.bars == 0 ? 0 : Double(barsInMarket) / Double(equity.bars) * 100
        self.feesPaid = feesPaid.doubleValue
    }
}
