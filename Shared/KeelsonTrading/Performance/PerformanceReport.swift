import Foundation
import KeelsonDomain

/// Trading results per calendar period (UTC): PnL, trades, win rate, profit factor, Sharpe ratio of daily
/// returns (`PerformanceMeasures`, annualised by the market's `TradingCalendar`) and max drawdown of the equity curve.
public enum PerformancePeriod: String, Sendable, Codable, CaseIterable {
    case daily, weekly, monthly
}

public struct PeriodPerformance: Sendable, Equatable, Codable {
    public var periodStart: Date
    public var pnl: Decimal
    public var trades: Int
    public var wins: Int
    public var winRate: Double?
    /// Gross profit over gross loss; nil when there were no losing trades.
    public var profitFactor: Double?
    /// nil with fewer than three days of equity in the period (two daily returns).
    public var sharpe: Double?
    public var maxDrawdownPercent: Double

    enum CodingKeys: String, CodingKey {
        case pnl, trades, wins, sharpe
        case periodStart = "period_start", winRate = "win_rate", profitFactor = "profit_factor", maxDrawdownPercent = "max_drawdown_percent"
    }

    public init(
        periodStart: Date, pnl: Decimal, trades: Int, wins: Int, winRate: Double?, profitFactor: Double?, sharpe: Double?, maxDrawdownPercent: Double
    ) {
        self.periodStart = periodStart
        self.pnl = pnl
        self.trades = trades
        self.wins = wins
        self.winRate = winRate
        self.profitFactor = profitFactor
        self.sharpe = sharpe
        self.maxDrawdownPercent = maxDrawdownPercent
    }

    // Money travels as a decimal string, so no JSON parser rounds it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        periodStart = try container.decode(Date.self, forKey: .periodStart)
        pnl = try container.decodeDecimalString(forKey: .pnl)
        trades = try container.decode(Int.self, forKey: .trades)
        wins = try container.decode(Int.self, forKey: .wins)
        winRate = try container.decodeIfPresent(Double.self, forKey: .winRate)
        profitFactor = try container.decodeIfPresent(Double.self, forKey: .profitFactor)
        sharpe = try container.decodeIfPresent(Double.self, forKey: .sharpe)
        maxDrawdownPercent = try container.decode(Double.self, forKey: .maxDrawdownPercent)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(periodStart, forKey: .periodStart)
        try container.encode(pnl.description, forKey: .pnl)
        try container.encode(trades, forKey: .trades)
        try container.encode(wins, forKey: .wins)
        try container.encodeIfPresent(winRate, forKey: .winRate)
        try container.encodeIfPresent(profitFactor, forKey: .profitFactor)
        try container.encodeIfPresent(sharpe, forKey: .sharpe)
        try container.encode(maxDrawdownPercent, forKey: .maxDrawdownPercent)
    }
}

public struct EquityPoint: Sendable, Equatable {
    public var time: Date
    public var equity: Decimal

    public init(time: Date, equity: Decimal) {
        self.time = time
        self.equity = equity
    }
}

public enum PerformanceReport {
    public static func periods(trades: [ClosedTrade], equity: [EquityPoint], period: PerformancePeriod, calendar tradingCalendar: TradingCalendar)
        -> [PeriodPerformance]
    {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        func start(_ date: Date) -> Date {
            switch period {
            case .daily: calendar.startOfDay(for: date)
            case .weekly: calendar.dateInterval(of: .weekOfYear, for: date)?.start ?? calendar.startOfDay(for: date)
            case .monthly: calendar.dateInterval(of: .month, for: date)?.start ?? calendar.startOfDay(for: date)
            }
        }
        let tradesByPeriod = Dictionary(grouping: trades) { start($0.exitTime) }
        let equityByPeriod = Dictionary(grouping: equity.sorted { $0.time < $1.time }) { start($0.time) }
        let keys = Set(tradesByPeriod.keys).union(equityByPeriod.keys).sorted()
        return keys.map { key in
            let periodTrades = tradesByPeriod[key] ?? []
            let points = equityByPeriod[key] ?? []
            let wins = periodTrades.filter { $0.pnl > 0 }
            let grossProfit = wins.reduce(Decimal(0)) { $0 + $1.pnl }
            let grossLoss = periodTrades.filter { $0.pnl < 0 }.reduce(Decimal(0)) { $0 - $1.pnl }
            return PeriodPerformance(
                periodStart: key,
                pnl: periodTrades.reduce(Decimal(0)) { $0 + $1.pnl },
                trades: periodTrades.count,
                wins: wins.count,
                winRate: periodTrades.isEmpty ? nil : Double(wins.count) / Double(periodTrades.count),
                profitFactor: grossLoss > 0 ? grossProfit.doubleValue / grossLoss.doubleValue : nil,
                sharpe: sharpe(dailyCloses(points, calendar: calendar), calendar: tradingCalendar),
                maxDrawdownPercent: PerformanceMeasures.maxDrawdownPercent(points.map(\.equity))
            )
        }
    }

    /// The last equity of each day.
    static func dailyCloses(_ points: [EquityPoint], calendar: Calendar) -> [Double] {
        var closes: [(Date, Double)] = []
        for point in points {
            let day = calendar.startOfDay(for: point.time)
            if let last = closes.last, last.0 == day {
                closes[closes.count - 1].1 = point.equity.doubleValue
            } else {
                closes.append((day, point.equity.doubleValue))
            }
        }
        return closes.map(\.1)
    }

    /// nil with fewer than three days of equity (two daily returns).
    public static func sharpe(_ dailyEquity: [Double], calendar: TradingCalendar) -> Double? {
        guard dailyEquity.count >= 3 else { return nil }
        return PerformanceMeasures.sharpe(PerformanceMeasures.dailyReturns(dailyEquity), calendar: calendar)
    }
}
