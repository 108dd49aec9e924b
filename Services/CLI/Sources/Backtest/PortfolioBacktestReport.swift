import Foundation
import KeelsonCharts
import KeelsonPortfolio
import KeelsonTrading

/// The summary and the files of a portfolio backtest: per-instance figures and PnL curves, the lifecycle transitions
/// and capital splits the rules made, the halts, every round trip with its instance.
struct PortfolioBacktestReport {
    var result: PortfolioBacktestResult
    var bars: Int
    var first: Date?
    var last: Date?
    var strategiesPath: String

    private static func number(_ value: Double?, _ digits: Int = 2) -> String { value.map { String(format: "%.\(digits)f", $0) } ?? "—" }

    func summary(elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let returnPercent = result.initialCash > 0 ? ((result.finalEquity - result.initialCash) / result.initialCash * 100).doubleValue : 0
        var lines = [
            "portfolio   \(strategiesPath), \(result.instances.count) instances",
            "steps       \(bars) (\(first?.formatted(.iso8601) ?? "") → \(last?.formatted(.iso8601) ?? ""))",
            "equity      \(result.finalEquity.rounded(scale: 2)) (\(Self.number(returnPercent, 3)) %), fees \(result.feesPaid.rounded(scale: 2))",
            "round trips \(result.roundTrips.count)",
        ]
        lines.append("")
        let rows = result.instances.map { instance -> [String] in
            let f = instance.figures
            return [
                instance.id, instance.finalStatus.rawValue, "\(f.trades)", Self.number(f.winRate.map { $0 * 100 }, 1),
                f.realizedPnl.rounded(scale: 2).description,
                Self.number(f.maxDrawdownPercent, 2), "\(instance.shadowRoundTrips.count)", "\(instance.suppressedSignals)",
            ]
        }
        lines.append(
            TableFormatter.render(
                header: ["INSTANCE", "STATE", "TRADES", "WIN %", "PNL", "MAX DD %", "SHADOW TRADES", "SUPPRESSED"], rows: rows))
        lines.append("")
        if result.transitions.isEmpty {
            lines.append("transitions none")
        } else {
            lines.append("transitions")
            for transition in result.transitions {
                lines.append(
                    "  \(transition.time.formatted(.iso8601)) \(transition.instance) \(transition.from.rawValue) → \(transition.to.rawValue)"
                        + (transition.applied ? "" : " (recommended only, manual mode)") + ": \(transition.reason)")
            }
        }
        lines.append(
            result.halts.isEmpty
                ? "halts       none"
                : "halts       "
                    + result.halts.map { "\($0.time.formatted(.iso8601)) \($0.breach.kind.rawValue): \($0.breach.reason)" }.joined(separator: "; "))
        lines.append(String(format: "took        %.2f s", seconds))
        return lines.joined(separator: "\n")
    }

    func write(to directory: String) throws {
        func save(_ text: String, _ name: String) throws {
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError("cannot write \(path): \(error.localizedDescription)")
            }
        }
        var csv = "instance,symbol,quantity,entry_time,entry_price,exit_time,exit_price,pnl,fees,exit_reason\n"
        for trip in result.roundTrips {
            let t = trip.trade
            csv +=
                "\(trip.instance),\(t.symbol.rawValue),\(t.quantity),\(t.entryTime.formatted(.iso8601)),\(t.entryPrice),\(t.exitTime.formatted(.iso8601)),"
                + "\(t.exitPrice),\(t.pnl),\(t.fees),\(t.exitReason.rawValue)\n"
        }
        try save(csv, "trades.csv")
        try save(try summaryJSON(), "summary.json")
        try save(try html(), "report.html")
    }

    func summaryJSON() throws -> String {
        struct Figures: Encodable {
            var instance: String
            var state: String
            var trades: Int
            var win_rate: Double?
            var realized_pnl: String
            var fees: String
            var sharpe: Double?
            var max_drawdown_percent: Double
            var profit_factor: Double?
            var shadow_trades: Int
            var suppressed_signals: Int
        }
        struct Transition: Encodable {
            var time: Date
            var instance: String
            var from: String
            var to: String
            var reason: String
            var applied: Bool
        }
        struct Allocation: Encodable {
            var time: Date
            var amounts: [String: String]
        }
        struct Halt: Encodable {
            var time: Date
            var kind: String
            var reason: String
        }
        struct Summary: Encodable {
            var strategies_file: String
            var steps: Int
            var initial_cash: String
            var final_equity: String
            var fees: String
            var round_trips: Int
            var instances: [Figures]
            var transitions: [Transition]
            var allocations: [Allocation]
            var halts: [Halt]
        }
        let summary = Summary(
            strategies_file: strategiesPath, steps: bars, initial_cash: result.initialCash.description, final_equity: result.finalEquity.description,
            fees: result.feesPaid.description, round_trips: result.roundTrips.count,
            instances: result.instances.map {
                Figures(
                    instance: $0.id, state: $0.finalStatus.rawValue, trades: $0.figures.trades, win_rate: $0.figures.winRate,
                    realized_pnl: $0.figures.realizedPnl.description, fees: $0.figures.fees.description, sharpe: $0.figures.sharpe,
                    max_drawdown_percent: $0.figures.maxDrawdownPercent, profit_factor: $0.figures.profitFactor,
                    shadow_trades: $0.shadowRoundTrips.count,
                    suppressed_signals: $0.suppressedSignals)
            },
            transitions: result.transitions.map {
                Transition(time: $0.time, instance: $0.instance, from: $0.from.rawValue, to: $0.to.rawValue, reason: $0.reason, applied: $0.applied)
            },
            allocations: result.allocations.map { Allocation(time: $0.time, amounts: $0.amounts.mapValues(\.description)) },
            halts: result.halts.map { Halt(time: $0.time, kind: $0.breach.kind.rawValue, reason: $0.breach.reason) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(summary), as: UTF8.self)
    }

    /// The portfolio's equity and each instance's PnL on one time axis, transitions and halts as marked events; the
    /// instances, transitions and round trips as tables.
    func html() throws -> String {
        let escape = ChartReportPage.escape
        let chart = TimeSeriesChart(
            container: "chart",
            panels: [
                .init(
                    title: "Portfolio equity", unit: "",
                    series: [.init(name: "equity", className: "equity", points: result.equityCurve.map { .init($0.time, .number($0.equity)) })]),
                .init(
                    title: "PnL per instance (shadow PnL while a candidate)", unit: "", height: 280,
                    series: result.instances.map { instance in
                        .init(name: instance.id, className: "instance", points: instance.pnlCurve.map { .init($0.time, .number($0.pnl)) })
                    }),
            ],
            events: result.transitions.filter(\.applied).map {
                .init(time: $0.time, label: "\($0.instance): \($0.from.rawValue) → \($0.to.rawValue) (\($0.reason))")
            } + result.halts.map { .init(time: $0.time, label: "halted (\($0.breach.kind.rawValue)): \($0.breach.reason)") })
        let instances = SortableTable(
            container: "instances",
            columns: [
                .init(key: "instance", label: "Instance"), .init(key: "state", label: "Final state"),
                .init(key: "trades", label: "Trades", numeric: true),
                .init(key: "win_rate", label: "Win %", numeric: true), .init(key: "pnl", label: "PnL", numeric: true),
                .init(key: "drawdown", label: "Max DD %", numeric: true), .init(key: "sharpe", label: "Sharpe", numeric: true),
                .init(key: "shadow", label: "Shadow trades", numeric: true),
            ],
            rows: result.instances.map {
                [
                    "instance": $0.id, "state": $0.finalStatus.rawValue, "trades": "\($0.figures.trades)",
                    "win_rate": Self.number($0.figures.winRate.map { $0 * 100 }, 1), "pnl": $0.figures.realizedPnl.rounded(scale: 2).description,
                    "drawdown": Self.number($0.figures.maxDrawdownPercent), "sharpe": Self.number($0.figures.sharpe, 3),
                    "shadow": "\($0.shadowRoundTrips.count)",
                ]
            }, empty: "no instances")
        let trades = SortableTable(
            container: "trades",
            columns: [
                .init(key: "instance", label: "Instance"), .init(key: "symbol", label: "Symbol"), .init(key: "entry_time", label: "Entry (UTC)"),
                .init(key: "exit_time", label: "Exit (UTC)"), .init(key: "pnl", label: "PnL", numeric: true),
                .init(key: "exit_reason", label: "Exit reason"),
            ],
            rows: result.roundTrips.map {
                [
                    "instance": $0.instance, "symbol": $0.trade.symbol.rawValue, "entry_time": $0.trade.entryTime.formatted(.iso8601),
                    "exit_time": $0.trade.exitTime.formatted(.iso8601), "pnl": $0.trade.pnl.description, "exit_reason": $0.trade.exitReason.rawValue,
                ]
            }, empty: "no closed trades")
        let transitions =
            result.transitions.isEmpty
            ? "<p>No transitions: no instance met a rule within the history.</p>"
            : "<ul>"
                + result.transitions.map {
                    "<li class=\"transition\">\(escape($0.time.formatted(.iso8601))) — <b>\(escape($0.instance))</b> \($0.from.rawValue) → \($0.to.rawValue)"
                        + ($0.applied ? "" : " (recommended only)") + ": \(escape($0.reason))</li>"
                }.joined() + "</ul>"
        let body = """
            <h1>Portfolio backtest — \(escape(strategiesPath))</h1>
            <p>\(bars) steps, \(escape(first?.formatted(.iso8601) ?? "")) → \(escape(last?.formatted(.iso8601) ?? "")); final equity \(result.finalEquity.rounded(scale: 2)) from \(result.initialCash). Drag across a chart to zoom; double-click to reset.</p>
            <div id="chart" role="img" aria-label="portfolio equity and PnL per instance, lifecycle transitions as dashed lines"></div>
            <h2 id="instance-list">Instances</h2>
            <div id="instances"></div>
            <h2 id="transition-list">Lifecycle transitions</h2>
            \(transitions)
            <h2 id="trade-list">Round trips</h2>
            <div id="trades"></div>
            """
        return try ChartReportPage(
            title: "Portfolio backtest — \(strategiesPath)",
            style: """
                body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:15px;margin:20px 0 6px}
                li.transition{margin:2px 0}
                """,
            body: body, charts: [chart], tables: [instances, trades]
        ).render()
    }
}
