import Foundation
import KeelsonDomain
import KeelsonTrading
import Testing

@Suite("Performance report")
struct PerformanceReportTests {
    func trade(_ pnl: String, exitedAt exit: Date) -> ClosedTrade {
        ClosedTrade(
            symbol: btc, quantity: 1, entryTime: exit.addingTimeInterval(-3600), entryPrice: 100, exitTime: exit, exitPrice: 100,
            pnl: dec(pnl), fees: 0, exitReason: .signal, entryOrderID: nil, exitOrderID: nil
        )
    }

    /// Monday 2024-01-01 to Thursday 2024-02-01, with trades close to midnight UTC on both sides:
    ///   A Mon 01-01 10:00 +100, B Mon 01-01 23:30 −50, C Tue 01-02 00:30 +30, D Sun 01-07 23:59 −20,
    ///   E Mon 01-08 00:01 +40, F Thu 02-01 12:00 +10.
    var trades: [ClosedTrade] {
        [
            trade("100", exitedAt: utc(2024, 1, 1, 10)),
            trade("-50", exitedAt: utc(2024, 1, 1, 23, 30)),
            trade("30", exitedAt: utc(2024, 1, 2, 0, 30)),
            trade("-20", exitedAt: utc(2024, 1, 7, 23, 59)),
            trade("40", exitedAt: utc(2024, 1, 8, 0, 1)),
            trade("10", exitedAt: utc(2024, 2, 1, 12)),
        ]
    }

    @Test func dailyGroupsByUTCDay() throws {
        let days = PerformanceReport.periods(trades: trades.shuffled(), equity: [], period: .daily, calendar: .everyDay)
        #expect(days.map(\.periodStart) == [utc(2024, 1, 1), utc(2024, 1, 2), utc(2024, 1, 7), utc(2024, 1, 8), utc(2024, 2, 1)])
        #expect(days.map(\.pnl) == [50, 30, -20, 40, 10])
        #expect(days.map(\.trades) == [2, 1, 1, 1, 1])
        #expect(days.map(\.wins) == [1, 1, 0, 1, 1])
        #expect(days.map(\.winRate) == [0.5, 1, 0, 1, 1])
        // 100 / 50; no loser → nil; 0 / 20.
        #expect(days.map(\.profitFactor) == [2, nil, 0, nil, nil])
        #expect(days.allSatisfy { $0.sharpe == nil && $0.maxDrawdownPercent == 0 })
    }

    /// ISO weeks start on Monday: Sunday 01-07 23:59 is still the first week, Monday 01-08 00:01 the second;
    /// Thursday 02-01 falls in the week of Monday 01-29.
    @Test func weeklyGroupsByISOWeek() throws {
        let weeks = PerformanceReport.periods(trades: trades, equity: [], period: .weekly, calendar: .everyDay)
        #expect(weeks.map(\.periodStart) == [utc(2024, 1, 1), utc(2024, 1, 8), utc(2024, 1, 29)])
        #expect(weeks.map(\.pnl) == [60, 40, 10])
        #expect(weeks.map(\.trades) == [4, 1, 1])
        #expect(weeks.map(\.wins) == [2, 1, 1])
        #expect(weeks[0].winRate == 0.5)
        // 130 / 70.
        let profitFactor = try #require(weeks[0].profitFactor)
        #expect(abs(profitFactor - 130.0 / 70.0) < 1e-12)
    }

    @Test func monthlyGroupsByCalendarMonth() throws {
        let months = PerformanceReport.periods(trades: trades, equity: [], period: .monthly, calendar: .everyDay)
        #expect(months.map(\.periodStart) == [utc(2024, 1, 1), utc(2024, 2, 1)])
        #expect(months.map(\.pnl) == [100, 10])
        #expect(months.map(\.trades) == [5, 1])
        #expect(months[0].wins == 3)
        #expect(months[0].winRate == 0.6)
        let profitFactor = try #require(months[0].profitFactor)
        #expect(abs(profitFactor - 170.0 / 70.0) < 1e-12)
        #expect(months[1].profitFactor == nil)
    }

    /// Tuesday 2024-12-31 and Wednesday 2025-01-01 are in the same ISO week, which starts on Monday 2024-12-30.
    @Test func aWeekAcrossTheNewYear() {
        let weeks = PerformanceReport.periods(
            trades: [trade("5", exitedAt: utc(2024, 12, 31, 12)), trade("-3", exitedAt: utc(2025, 1, 1, 12))], equity: [], period: .weekly,
            calendar: .everyDay
        )
        #expect(weeks.map(\.periodStart) == [utc(2024, 12, 30)])
        #expect(weeks.first?.pnl == 2)
        #expect(weeks.first?.trades == 2)
    }

    /// A trade with a PnL of exactly 0 counts as a trade but neither a win nor a loss.
    @Test func breakEvenTrades() {
        let day = PerformanceReport.periods(
            trades: [trade("0", exitedAt: utc(2024, 1, 1, 1)), trade("10", exitedAt: utc(2024, 1, 1, 2))], equity: [], period: .daily,
            calendar: .everyDay)
        #expect(day.count == 1)
        #expect(day[0].trades == 2 && day[0].wins == 1 && day[0].winRate == 0.5 && day[0].profitFactor == nil)
    }

    @Test func maxDrawdown() {
        // Peak 120, trough 90: 30 / 120 = 25 %; the later new high does not undo it.
        #expect(PerformanceMeasures.maxDrawdownPercent([100, 120, 90, 130]) == 25)
        #expect(PerformanceMeasures.maxDrawdownPercent([100, 50, 200, 100]) == 50)
        #expect(PerformanceMeasures.maxDrawdownPercent([100, 110, 120]) == 0)
        #expect(PerformanceMeasures.maxDrawdownPercent([]) == 0)
    }

    @Test func sharpeNeedsThreeDailyPoints() {
        #expect(PerformanceReport.sharpe([], calendar: .everyDay) == nil)
        #expect(PerformanceReport.sharpe([100], calendar: .everyDay) == nil)
        #expect(PerformanceReport.sharpe([100, 110], calendar: .everyDay) == nil)
        // No variation, no ratio.
        #expect(PerformanceReport.sharpe([100, 100, 100], calendar: .everyDay) == nil)
    }

    /// Returns 0.1, 0.1, 0.2: mean 2/15, sample σ = √(1/300) → mean/σ = 4/√3, annualised × √365 = 4·√(365/3).
    @Test func sharpeHandWorked() throws {
        let sharpe = try #require(PerformanceReport.sharpe([100, 110, 121, dec("145.2").doubleValue], calendar: .everyDay))
        #expect(abs(sharpe - 4 * (365.0 / 3).squareRoot()) < 1e-9)
        // Returns 0.1 and −0.1: a mean of 0.
        let flat = try #require(PerformanceReport.sharpe([100, 110, 99], calendar: .everyDay))
        #expect(abs(flat) < 1e-12)
    }

    /// Equity points within periods: the drawdown is the period's own, and the Sharpe ratio uses each day's last
    /// point: closes 110, 121, 145.2 (not the day's first, 100) → returns 0.1, 0.2 → 0.15 / √0.005 × √365.
    @Test func equityCurvePerPeriod() throws {
        let equity = [
            EquityPoint(time: utc(2024, 1, 1, 9), equity: 100),
            EquityPoint(time: utc(2024, 1, 1, 21), equity: 110),
            EquityPoint(time: utc(2024, 1, 2, 12), equity: 121),
            EquityPoint(time: utc(2024, 1, 3, 12), equity: dec("145.2")),
        ]
        let weeks = PerformanceReport.periods(trades: [], equity: equity.reversed(), period: .weekly, calendar: .everyDay)
        #expect(weeks.count == 1)
        let week = try #require(weeks.first)
        #expect(week.trades == 0 && week.pnl == 0 && week.wins == 0)
        #expect(week.winRate == nil && week.profitFactor == nil)
        #expect(week.maxDrawdownPercent == 0)
        let sharpe = try #require(week.sharpe)
        #expect(abs(sharpe - 0.15 / 0.005.squareRoot() * 365.0.squareRoot()) < 1e-9)

        // One day of [100, 120, 90, 130]: a 25 % drawdown, and no Sharpe ratio from a single day.
        let day = PerformanceReport.periods(
            trades: [], equity: zip([100, 120, 90, 130] as [Decimal], 0...).map { EquityPoint(time: utc(2024, 1, 1, $1), equity: $0) },
            period: .daily, calendar: .everyDay
        )
        #expect(day.count == 1)
        #expect(day.first?.maxDrawdownPercent == 25)
        #expect(day.first?.sharpe == nil)
    }

    @Test func tradesAndEquityShareTheirPeriods() {
        let periods = PerformanceReport.periods(
            trades: [trade("10", exitedAt: utc(2024, 1, 2, 12))],
            equity: [EquityPoint(time: utc(2024, 1, 1, 12), equity: 1000), EquityPoint(time: utc(2024, 1, 2, 12), equity: 1010)],
            period: .daily, calendar: .everyDay
        )
        #expect(periods.map(\.periodStart) == [utc(2024, 1, 1), utc(2024, 1, 2)])
        #expect(periods.map(\.trades) == [0, 1])
        #expect(periods.map(\.pnl) == [0, 10])
    }
}

@Suite("Period performance JSON")
struct PeriodPerformanceCodingTests {
    let period = PeriodPerformance(
        periodStart: utc(2024, 1, 1), pnl: dec("1234.56789012"), trades: 4, wins: 3, winRate: 0.75, profitFactor: 2.5, sharpe: nil,
        maxDrawdownPercent: 12.5
    )

    /// The PnL travels as a decimal string, every digit kept; the rest under its snake_case key.
    @Test func pnlIsADecimalString() throws {
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(period)) as? [String: Any])
        #expect(json["pnl"] as? String == "1234.56789012")
        #expect(json["trades"] as? Int == 4)
        #expect(json["win_rate"] as? Double == 0.75)
        #expect(json["profit_factor"] as? Double == 2.5)
        #expect(json["max_drawdown_percent"] as? Double == 12.5)
        #expect(json["sharpe"] == nil)
        #expect(json["period_start"] != nil)
    }

    @Test func roundTrip() throws {
        #expect(try JSONDecoder().decode(PeriodPerformance.self, from: JSONEncoder().encode(period)) == period)
    }

    /// Money that is not a number must not quietly become 0.
    @Test func aMalformedPnlIsRefused() throws {
        let json = #"{"period_start": 0, "pnl": "12,5x", "trades": 1, "wins": 1, "max_drawdown_percent": 0}"#
        #expect(throws: (any Error).self) { try JSONDecoder().decode(PeriodPerformance.self, from: Data(json.utf8)) }
    }
}

private extension Decimal {
    var doubleValue: Double { NSDecimalNumber(decimal: self).doubleValue }
}
