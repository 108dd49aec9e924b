import Foundation
import KeelsonBacktest
import KeelsonCharts
import KeelsonDomain
import KeelsonTrading

/// `report.html`: one self-contained file (the chart module inlined, no network) with the equity, drawdown and price
/// panels on one dated time axis — hover read-out, zoom, trades marked, halts as dashed lines — the trades as a
/// sortable table, the halts and the statistics.
enum BacktestHTMLReport {
    static func render(_ result: BacktestResult, strategy: String, parameters: [String]) throws -> String {
        let curve = result.equityCurve
        var peak = -Double.infinity
        let drawdown = curve.map { sample -> TimeSeriesChart.Point in
            peak = max(peak, sample.equity)
            return .init(sample.time, .number(peak > 0 ? (sample.equity - peak) / peak * 100 : 0))
        }
        var markers: [TimeSeriesChart.Marker] = []
        for trade in result.trades {
            let quantity = trade.quantity.description
            markers.append(
                .init(time: trade.entryTime, value: trade.entryPrice.doubleValue, kind: .entry, label: "buy \(quantity) @ \(trade.entryPrice)"))
            markers.append(
                .init(
                    time: trade.exitTime, value: trade.exitPrice.doubleValue, kind: .exit,
                    label: "sell \(quantity) @ \(trade.exitPrice) (\(trade.exitReason.rawValue)), PnL \(trade.pnl)"))
        }
        if let open = result.openTrade {
            markers.append(
                .init(time: open.entryTime, value: open.entryPrice.doubleValue, kind: .entry, label: "buy @ \(open.entryPrice) (still open)"))
        }
        let chart = TimeSeriesChart(
            container: "chart",
            panels: [
                .init(
                    title: "Equity", unit: "",
                    series: [.init(name: "equity", className: "equity", points: curve.map { .init($0.time, .number($0.equity)) })]),
                .init(
                    title: "Drawdown", unit: "%", height: 160, series: [.init(name: "drawdown", kind: .area, className: "drawdown", points: drawdown)]
                ),
                .init(
                    title: "Price and trades", unit: "",
                    series: [.init(name: "close", className: "price", points: curve.map { .init($0.time, .number($0.close)) })],
                    markers: markers),
            ],
            events: result.halts.map { .init(time: $0.time, label: "halted (\($0.kind)): \($0.reason)") }
        )
        let trades = SortableTable(
            container: "trades",
            columns: [
                .init(key: "entry_time", label: "Entry (UTC)"), .init(key: "exit_time", label: "Exit (UTC)"), .init(key: "symbol", label: "Symbol"),
                .init(key: "quantity", label: "Quantity", numeric: true), .init(key: "entry_price", label: "Entry price", numeric: true),
                .init(key: "exit_price", label: "Exit price", numeric: true), .init(key: "pnl", label: "PnL", numeric: true),
                .init(key: "fees", label: "Fees", numeric: true), .init(key: "exit_reason", label: "Exit reason"),
            ],
            rows: result.trades.map { trade in
                [
                    "entry_time": trade.entryTime.formatted(.iso8601), "exit_time": trade.exitTime.formatted(.iso8601),
                    "symbol": trade.symbol.rawValue, "quantity": trade.quantity.description, "entry_price": trade.entryPrice.description,
                    "exit_price": trade.exitPrice.description, "pnl": trade.pnl.description, "fees": trade.fees.description,
                    "exit_reason": trade.exitReason.rawValue,
                ]
            },
            empty: "no closed trades"
        )
        let escape = ChartReportPage.escape
        let haltList =
            result.halts.isEmpty
            ? ""
            : "<h2 id=\"halts\">Halts</h2><ul>"
                + result.halts.map {
                    "<li class=\"halt\">\(escape($0.time.formatted(.iso8601))) — \(escape($0.kind)): \(escape($0.reason))</li>"
                }.joined() + "</ul>"
        let s = result.statistics
        func number(_ value: Double?, _ digits: Int = 2, _ unit: String = "") -> String {
            value.map { String(format: "%.\(digits)f", $0) + unit } ?? "—"
        }
        let rows: [(String, String)] = [
            ("Final equity", result.finalEquity.rounded(scale: 2).description), ("Total return", number(s.totalReturnPercent, 3, " %")),
            ("CAGR", number(s.cagrPercent, 2, " %")), ("Volatility (ann.)", number(s.annualizedVolatilityPercent, 2, " %")),
            ("Sharpe", number(s.sharpe, 4) + " (\(Int(s.calendar.tradingDaysPerYear)) days a year)"), ("Sortino", number(s.sortino, 4)),
            ("Calmar", number(s.calmar, 4)),
            ("Max drawdown", number(s.maxDrawdownPercent, 3, " %")), ("Max drawdown duration", number(s.maxDrawdownDays, 0, " days")),
            ("Trades", "\(s.trades)"), ("Win rate", number(s.winRatePercent, 2, " %")), ("Profit factor", number(s.profitFactor, 3)),
            ("Expectancy", number(s.expectancy)), ("Average win", number(s.averageWin)), ("Average loss", number(s.averageLoss)),
            ("Exposure", number(s.exposurePercent, 2, " %")), ("Fees", number(s.feesPaid)),
        ]
        let table = rows.map { "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>" }.joined()
        let title = escape("\(strategy) \(parameters.joined(separator: " "))")
        let body = """
            <h1>Backtest — \(title)</h1>
            <p>\(result.bars) bars, \(escape(result.firstBarTime?.formatted(.iso8601) ?? "")) → \(escape(result.lastBarTime?.formatted(.iso8601) ?? "")). Drag across a chart to zoom; double-click to reset.</p>
            <div id="chart" role="img" aria-label="equity, drawdown and price with trades (▲ entry, ▼ exit)"></div>
            \(haltList)
            <h2 id="trade-list">Trades</h2>
            <div id="trades"></div>
            <h2>Statistics</h2>
            <table class="statistics">\(table)</table>
            """
        return try ChartReportPage(
            title: "Backtest — \(strategy) \(parameters.joined(separator: " "))",
            style: """
                body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:15px;margin:20px 0 6px}
                table.statistics{border-collapse:collapse;margin-top:12px}.statistics th,.statistics td{padding:3px 12px;border-bottom:1px solid #eee;text-align:left}
                .statistics td{text-align:right}li.halt{color:#9a6700}
                """,
            body: body, charts: [chart], tables: [trades]
        ).render()
    }
}
