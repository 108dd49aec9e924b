import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonTrading

/// `report.html`: one self-contained page (no scripts, no network) with the equity curve, the drawdown curve and
/// the trades marked on price, drawn as inline SVG, and the statistics table.
enum BacktestHTMLReport {
    static let width = 960.0
    static let height = 260.0
    static let maxPoints = 2_000

    static func render(_ result: BacktestResult, strategy: String, parameters: [String]) -> String {
        let times = result.equityCurve.map(\.time)
        let equity = result.equityCurve.map(\.equity)
        var peak = -Double.infinity
        let drawdown = equity.map { value -> Double in
            peak = max(peak, value)
            return peak > 0 ? (value - peak) / peak * 100 : 0
        }
        let prices = result.equityCurve.map(\.close)
        let first = times.first?.timeIntervalSince1970 ?? 0
        let last = max(times.last?.timeIntervalSince1970 ?? 1, first + 1)
        func x(_ time: Date) -> Double { (time.timeIntervalSince1970 - first) / (last - first) * width }

        var markers = ""
        if let low = prices.min(), let high = prices.max() {
            func y(_ price: Decimal) -> Double { height - (price.doubleValue - low) / max(high - low, 1e-9) * height }
            for trade in result.trades {
                markers += #"<polygon class="entry" points="\#(triangle(x(trade.entryTime), y(trade.entryPrice), up: true))"/>"#
                markers += #"<polygon class="exit" points="\#(triangle(x(trade.exitTime), y(trade.exitPrice), up: false))"/>"#
            }
            if let open = result.openTrade {
                markers += #"<polygon class="entry" points="\#(triangle(x(open.entryTime), y(open.entryPrice), up: true))"/>"#
            }
        }
        // A halt is a dashed line across every chart at its bar, with its reason on hover.
        let haltLines = result.halts.map { halt in
            let at = String(format: "%.1f", x(halt.time))
            return
                #"<line class="halt" x1="\#(at)" x2="\#(at)" y1="0" y2="\#(Int(height))"><title>\#(escape("halted (\(halt.kind)): \(halt.reason)"))</title></line>"#
        }.joined()
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
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Backtest — \(title)</title>
            <style>
            body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:15px;margin:20px 0 6px}
            svg{background:#fafafa;border:1px solid #ddd;width:100%;height:auto}polyline{fill:none;stroke-width:1.2}
            .equity{stroke:#1f6feb}.drawdown{stroke:#d1242f}.price{stroke:#555}.entry{fill:#1a7f37}.exit{fill:#d1242f}line.halt{stroke:#9a6700;stroke-width:1.5;stroke-dasharray:4 3}
            table{border-collapse:collapse;margin-top:12px}th,td{padding:3px 12px;border-bottom:1px solid #eee;text-align:left}td{text-align:right}
            </style></head><body>
            <h1>Backtest — \(title)</h1>
            <p>\(result.bars) bars, \(escape(result.firstBarTime?.formatted(.iso8601) ?? "")) → \(escape(result.lastBarTime?.formatted(.iso8601) ?? ""))</p>
            <h2 id="equity">Equity</h2>
            <svg viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="equity curve"><polyline class="equity" points="\(polyline(times, equity, x: x))"/>\(haltLines)</svg>
            <h2 id="drawdown">Drawdown (%)</h2>
            <svg viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="drawdown curve"><polyline class="drawdown" points="\(polyline(times, drawdown, x: x))"/>\(haltLines)</svg>
            <h2 id="trades">Price and trades (▲ entry, ▼ exit)</h2>
            <svg viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="price with trades"><polyline class="price" points="\(polyline(times, prices, x: x))"/>\(markers)\(haltLines)</svg>
            \(haltList)
            <h2>Statistics</h2>
            <table>\(table)</table>
            </body></html>
            """
    }

    /// At most `maxPoints` points, scaled to the chart.
    static func polyline(_ times: [Date], _ values: [Double], x: (Date) -> Double) -> String {
        guard let low = values.min(), let high = values.max(), !values.isEmpty else { return "" }
        let step = max(1, values.count / maxPoints)
        var points: [String] = []
        points.reserveCapacity(values.count / step + 1)
        for index in stride(from: 0, to: values.count, by: step) {
            let y = height - (values[index] - low) / max(high - low, 1e-9) * height
            points.append(String(format: "%.1f,%.1f", x(times[index]), y))
        }
        return points.joined(separator: " ")
    }

    static func triangle(_ x: Double, _ y: Double, up: Bool) -> String {
        let size = 5.0
        return up
            ? String(format: "%.1f,%.1f %.1f,%.1f %.1f,%.1f", x, y - size, x - size, y + size, x + size, y + size)
            : String(format: "%.1f,%.1f %.1f,%.1f %.1f,%.1f", x, y + size, x - size, y - size, x + size, y - size)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
