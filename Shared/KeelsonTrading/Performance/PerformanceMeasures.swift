import Foundation

/// The year a daily figure is annualised over: a market that trades every day (crypto) has 365 trading days, an
/// exchange that trades on weekdays 252.
public enum TradingCalendar: String, Sendable, Codable, CaseIterable {
    case everyDay = "every_day"
    case weekdays

    public var tradingDaysPerYear: Double {
        switch self {
        case .everyDay: 365
        case .weekdays: 252
        }
    }

    /// The calendar of data that had bars on `weekendDays` Saturdays and Sundays.
    public static func detected(weekendDays: Int) -> TradingCalendar { weekendDays > 0 ? .everyDay : .weekdays }
}

/// The risk and return measures of an equity curve, computed one way for the backtester and the engine's
/// `/performance`: returns of daily closes of equity, sample standard deviation, no risk-free rate.
public enum PerformanceMeasures {
    /// Each day's return over the day before (0 after a day that ended without equity).
    public static func dailyReturns(_ closes: [Double]) -> [Double] {
        zip(closes.dropFirst(), closes).map { current, previous in previous > 0 ? current / previous - 1 : 0 }
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    /// Sample standard deviation; 0 with fewer than two values.
    static func deviation(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let mean = mean(values)
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
    }

    public static func annualizedVolatility(_ returns: [Double], calendar: TradingCalendar) -> Double {
        deviation(returns) * calendar.tradingDaysPerYear.squareRoot()
    }

    /// nil when the returns do not vary.
    public static func sharpe(_ returns: [Double], calendar: TradingCalendar) -> Double? {
        let deviation = deviation(returns)
        return deviation > 0 ? mean(returns) / deviation * calendar.tradingDaysPerYear.squareRoot() : nil
    }

    /// Mean return over the downside deviation (the root mean square of the losses, gains counted as 0); nil
    /// without a losing day.
    public static func sortino(_ returns: [Double], calendar: TradingCalendar) -> Double? {
        let downside = returns.isEmpty ? 0 : (returns.reduce(0) { $0 + min($1, 0) * min($1, 0) } / Double(returns.count)).squareRoot()
        return downside > 0 ? mean(returns) / downside * calendar.tradingDaysPerYear.squareRoot() : nil
    }

    /// Compound annual growth, in percent, over `years` of 365.25 days.
    public static func cagrPercent(initial: Double, final: Double, years: Double) -> Double {
        years > 0 && initial > 0 && final > 0 ? (pow(final / initial, 1 / years) - 1) * 100 : 0
    }

    /// The deepest fall from a peak, in percent of the peak.
    public static func maxDrawdownPercent(_ equity: [Decimal]) -> Double {
        var peak = Decimal(0)
        var worst = Decimal(0)
        for value in equity {
            peak = max(peak, value)
            if peak > 0 { worst = max(worst, (peak - value) / peak * 100) }
        }
        return worst.doubleValue
    }
}
