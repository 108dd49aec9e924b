import Foundation
import KeelsonDomain

/// A finished round trip with the strategy instance its entry came from.
public struct AttributedTrade: Sendable, Equatable {
    public var strategy: String
    public var symbol: String
    public var entryTime: Date
    public var exitTime: Date
    /// Net of the fees of both legs.
    public var pnl: Decimal
    public var fees: Decimal

    public init(strategy: String, symbol: String, entryTime: Date, exitTime: Date, pnl: Decimal, fees: Decimal) {
        self.strategy = strategy
        self.symbol = symbol
        self.entryTime = entryTime
        self.exitTime = exitTime
        self.pnl = pnl
        self.fees = fees
    }
}

/// What a strategy instance (or one of its symbols, or the whole portfolio) achieved with its closed round trips.
/// The equity it is measured on is `capital` plus its realised PnL in exit order: Sharpe is of that curve's daily
/// returns (UTC days from the first exit to the last, days without exits counting as 0, every-day calendar, as
/// `PerformanceMeasures`), and the drawdown is that curve's deepest fall.
public struct StrategyFigures: Sendable, Equatable {
    public var realizedPnl: Decimal = 0
    public var fees: Decimal = 0
    public var trades = 0
    public var wins = 0
    public var grossProfit: Decimal = 0
    public var grossLoss: Decimal = 0
    public var sharpe: Double?
    public var maxDrawdown: Decimal = 0
    public var maxDrawdownPercent: Double = 0
    /// Time spent in round trips over the window, per symbol traded, in percent.
    public var exposurePercent: Double?

    public var winRate: Double? { trades > 0 ? Double(wins) / Double(trades) : nil }
    /// Gross profit over gross loss; nil without a losing trade.
    public var profitFactor: Double? { grossLoss > 0 ? (grossProfit / grossLoss).doubleValue : nil }
    /// The average net PnL of a round trip.
    public var expectancy: Decimal? { trades > 0 ? realizedPnl / Decimal(trades) : nil }

    public init() {}

    /// `window` bounds the exposure figure; without one it is the span from the first entry to the last exit.
    public static func measure(_ trades: [AttributedTrade], capital: Decimal, window: DateInterval? = nil) -> StrategyFigures {
        var figures = StrategyFigures()
        let ordered = trades.sorted { ($0.exitTime, $0.entryTime) < ($1.exitTime, $1.entryTime) }
        // Sums stay exact (Decimal, with the integer fast path: this runs for every instance on every evaluation);
        // the drawdown percentage, a ratio, is followed in Double alongside.
        var equity = capital
        var peak = capital
        var equityRatio = capital.doubleValue
        var peakRatio = equityRatio
        var worstPercent = 0.0
        var dailyPnl: [Int: Decimal] = [:]
        for trade in ordered {
            figures.trades += 1
            figures.realizedPnl = figures.realizedPnl.plus(trade.pnl)
            figures.fees = figures.fees.plus(trade.fees)
            if !trade.pnl.isSignMinus && !trade.pnl.isZero {
                figures.wins += 1
                figures.grossProfit = figures.grossProfit.plus(trade.pnl)
            } else {
                figures.grossLoss = figures.grossLoss.minus(trade.pnl)
            }
            equity = equity.plus(trade.pnl)
            let fall = peak.minus(equity)
            if fall.isSignMinus {
                peak = equity
            } else if figures.maxDrawdown.minus(fall).isSignMinus {
                figures.maxDrawdown = fall
            }
            equityRatio += trade.pnl.doubleValue
            peakRatio = max(peakRatio, equityRatio)
            if peakRatio > 0 { worstPercent = max(worstPercent, (peakRatio - equityRatio) / peakRatio * 100) }
            let day = Self.day(trade.exitTime)
            dailyPnl[day] = (dailyPnl[day] ?? 0).plus(trade.pnl)
        }
        figures.maxDrawdownPercent = worstPercent
        figures.sharpe = sharpe(dailyPnl: dailyPnl, capital: capital)
        figures.exposurePercent = exposurePercent(ordered, window: window)
        return figures
    }

    private static func day(_ date: Date) -> Int { Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) }

    /// nil with fewer than three days (two daily returns), as the portfolio's figure.
    private static func sharpe(dailyPnl: [Int: Decimal], capital: Decimal) -> Double? {
        guard capital > 0, let first = dailyPnl.keys.min(), let last = dailyPnl.keys.max(), last - first >= 2 else { return nil }
        var closes: [Double] = []
        var equity = capital
        closes.append(equity.doubleValue)
        for day in first...last {
            equity += dailyPnl[day] ?? 0
            closes.append(equity.doubleValue)
        }
        return PerformanceMeasures.sharpe(PerformanceMeasures.dailyReturns(closes), calendar: .everyDay)
    }

    private static func exposurePercent(_ trades: [AttributedTrade], window: DateInterval?) -> Double? {
        guard let first = trades.map(\.entryTime).min(), let last = trades.map(\.exitTime).max() else { return nil }
        let span = window ?? DateInterval(start: min(first, last), end: last)
        guard span.duration > 0 else { return nil }
        let held = trades.reduce(0.0) { total, trade in
            let start = max(trade.entryTime, span.start)
            let end = min(trade.exitTime, span.end)
            return total + max(0, end.timeIntervalSince(start))
        }
        let symbols = Set(trades.map(\.symbol)).count
        return held / (span.duration * Double(symbols)) * 100
    }
}
