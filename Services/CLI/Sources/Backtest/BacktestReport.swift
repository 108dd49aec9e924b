import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonTrading

/// The readable summary and the files a backtest writes.
enum BacktestReport {
    static func summary(_ result: BacktestResult, strategy: String, elapsed: Duration) -> String {
        let s = result.statistics
        func number(_ value: Double?, _ digits: Int = 2) -> String { value.map { String(format: "%.\(digits)f", $0) } ?? "—" }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rows: [(String, String)] = [
            ("strategy", strategy),
            ("bars", "\(result.bars) (\(result.firstBarTime?.formatted(.iso8601) ?? "") → \(result.lastBarTime?.formatted(.iso8601) ?? ""))"),
            ("final equity", result.finalEquity.rounded(scale: 2).description),
            ("total return", number(s.totalReturnPercent, 3) + " %"),
            ("CAGR", number(s.cagrPercent) + " %"),
            ("volatility (ann.)", number(s.annualizedVolatilityPercent) + " %"),
            ("Sharpe", number(s.sharpe, 4) + " (\(Int(s.calendar.tradingDaysPerYear)) days a year)"),
            ("Sortino", number(s.sortino, 4)),
            ("Calmar", number(s.calmar, 4)),
            ("max drawdown", number(s.maxDrawdownPercent, 3) + " % over \(number(s.maxDrawdownDays, 0)) days"),
            ("trades", "\(s.trades)" + (result.openTrade != nil ? " closed, 1 open" : "")),
            ("win rate", number(s.winRatePercent) + " %"),
            ("profit factor", number(s.profitFactor, 3)),
            ("expectancy", number(s.expectancy)),
            ("average win / loss", number(s.averageWin) + " / " + number(s.averageLoss)),
            ("exposure", number(s.exposurePercent) + " %"),
            ("fees", number(s.feesPaid)),
            (
                "halts",
                result.halts.isEmpty
                    ? "none"
                    : result.halts.map { "\($0.time.formatted(.iso8601)) \($0.kind): \($0.reason)" }.joined(
                        separator: "\n" + String(repeating: " ", count: 21))
            ),
            ("run time", String(format: "%.3f s (%.0f bars/s)", seconds, seconds > 0 ? Double(result.bars) / seconds : 0)),
        ]
        return rows.map { "\($0.0.padding(toLength: 20, withPad: " ", startingAt: 0)) \($0.1)" }.joined(separator: "\n")
    }

    /// trades.csv, summary.json and report.html (equity.csv is written while the backtest runs).
    static func write(_ result: BacktestResult, to directory: String, timeStyle: CandleCSV.TimeStyle, strategy: String, parameters: [String]) throws {
        func time(_ date: Date) -> String { timeStyle.format(date) }
        var trades = "entry_time,entry_price,exit_time,exit_price,size,pnl,fees,exit_reason\n"
        for trade in result.trades {
            trades +=
                "\(time(trade.entryTime)),\(trade.entryPrice),\(time(trade.exitTime)),\(trade.exitPrice),\(trade.quantity),\(trade.pnl),\(trade.fees),\(trade.exitReason.rawValue)\n"
        }
        if let open = result.openTrade {
            trades += "\(time(open.entryTime)),\(open.entryPrice),,,\(open.quantity),,,\n"
        }
        struct Summary: Encodable {
            var strategy: String
            var parameters: [String]
            var finalEquity: String
            var statistics: BacktestStatistics
            /// Each loss-limit halt: the bar's time, the limit, and why.
            var halts: [BacktestResult.Halt]
            enum CodingKeys: String, CodingKey { case strategy, parameters, statistics, halts; case finalEquity = "final_equity" }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let summary = try encoder.encode(
            Summary(
                strategy: strategy, parameters: parameters, finalEquity: result.finalEquity.description, statistics: result.statistics,
                halts: result.halts
            ))
        let report = Data(try BacktestHTMLReport.render(result, strategy: strategy, parameters: parameters).utf8)
        for (name, contents) in [("trades.csv", Data(trades.utf8)), ("summary.json", summary), ("report.html", report)] {
            do {
                try contents.write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
            } catch {
                throw CLIError("cannot write \(directory)/\(name): \(error.localizedDescription)")
            }
        }
    }
}
