import Foundation
import KeelsonBacktest
import KeelsonCharts
import KeelsonOptimizer

/// `report.html` of a search: one self-contained page (the chart module inlined, no network) with a heat map of the
/// objective over the first two searched parameters (hover read-outs as SVG titles), the out-of-sample equity stitched
/// across folds on the shared chart's dated axes, and the folds.
struct OptimizationHTMLReport {
    let files: OptimizationFiles

    static let cell = 22.0
    static let margin = 56.0

    func render() throws -> String {
        let optimizer = files.optimizer
        let best = files.outcome.final?.best.map(files.describe) ?? "none met the constraints"
        let constraints = optimizer.constraints.isEmpty ? "none" : optimizer.constraints.map(\.description).joined(separator: ", ")
        let foldRows = files.outcome.folds.map { fold in
            let cells = [
                "\(fold.fold.number)", OptimizationFiles.day(fold.fold.train.lowerBound) + " → " + OptimizationFiles.day(fold.fold.train.upperBound),
                fold.fold.test.map { OptimizationFiles.day($0.lowerBound) + " → " + OptimizationFiles.day($0.upperBound) } ?? "—",
                fold.best.map(files.describe) ?? "none", OptimizationFiles.fixed(fold.inSample), OptimizationFiles.fixed(fold.outOfSample),
                OptimizationFiles.fixed(fold.efficiency),
            ]
            return "<tr>" + cells.map { "<td>\(escape($0))</td>" }.joined() + "</tr>"
        }.joined(separator: "\n")
        let equity = stitchedEquity()
        let body = """
            <h1>\(escape(files.strategy)): \(escape(optimizer.objective.rawValue))</h1>
            <p>Best: <strong>\(escape(best))</strong>. Constraints: \(escape(constraints)). \(optimizer.space.combinations.count) combinations × \(files.outcome.folds.count) folds on \(files.bars) bars.</p>
            \(heatMap())
            \(equity.heading)
            <h2>Folds</h2>
            <table class="folds"><tr><th>fold</th><th>train</th><th>test</th><th>best</th><th>in-sample</th><th>out-of-sample</th><th>efficiency</th></tr>
            \(foldRows)
            </table>
            """
        return try ChartReportPage(
            title: "\(files.strategy) optimisation",
            style: """
                body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
                svg.heat { background: #fafafa; border: 1px solid #ddd; margin-bottom: 16px; }
                .axis text, .tick { font-size: 11px; fill: #444; }
                .empty { fill: #ddd; }
                .best { fill: none; stroke: #000; stroke-width: 2; }
                table.folds { border-collapse: collapse; } .folds td, .folds th { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
                """,
            body: body, charts: equity.chart.map { [$0] } ?? []
        ).render()
    }

    /// The objective over the first two searched parameters on the deciding fold (the best over any others).
    func heatMap() -> String {
        let optimizer = files.optimizer
        let searched = optimizer.space.ranges.filter { $0.values.count > 1 }
        guard let fold = files.outcome.final?.fold.number ?? files.outcome.folds.last?.fold.number, let xRange = searched.first else { return "" }
        let yRange = searched.count > 1 ? searched[1] : ParameterRange(name: "", values: [0])
        var values: [Int: Double] = [:]
        for trial in files.trials where trial.fold == fold && optimizer.accepts(trial.statistics) {
            let parameters = optimizer.space.combinations[trial.combination].parameters
            guard let x = xRange.values.firstIndex(of: parameters[xRange.name]!) else { continue }
            let y = yRange.name.isEmpty ? 0 : yRange.values.firstIndex(of: parameters[yRange.name]!) ?? 0
            let value = optimizer.objective.value(of: trial.statistics)!
            values[y * xRange.values.count + x] = max(values[y * xRange.values.count + x] ?? -.infinity, value)
        }
        let low = values.values.min() ?? 0
        let high = values.values.max() ?? 1
        let cell = min(Self.cell, 900 / Double(xRange.values.count))
        let width = Self.margin + cell * Double(xRange.values.count) + 16
        let height = Self.margin + cell * Double(yRange.values.count) + 16
        var body = ""
        let bestParameters = files.outcome.final?.best?.parameters
        for (yIndex, yValue) in yRange.values.enumerated() {
            for (xIndex, xValue) in xRange.values.enumerated() {
                let left = Self.margin + Double(xIndex) * cell
                let top = 8 + Double(yRange.values.count - 1 - yIndex) * cell
                let rect = String(format: #"x="%.1f" y="%.1f" width="%.1f" height="%.1f""#, left, top, cell, cell)
                var label = "\(xRange.name)=\(OptimizationFiles.number(xValue))"
                if !yRange.name.isEmpty { label += " \(yRange.name)=\(OptimizationFiles.number(yValue))" }
                if let value = values[yIndex * xRange.values.count + xIndex] {
                    let hue = high > low ? (value - low) / (high - low) * 120 : 120
                    body +=
                        #"<rect \#(rect) fill="hsl(\#(Int(hue)),65%,50%)"><title>\#(escape(label)): \#(OptimizationFiles.fixed(value))</title></rect>"#
                } else {
                    body += #"<rect class="empty" \#(rect)><title>\#(escape(label)): not run or not accepted</title></rect>"#
                }
                if let bestParameters, bestParameters[xRange.name] == xValue, yRange.name.isEmpty || bestParameters[yRange.name] == yValue {
                    body += #"<rect class="best" \#(rect)/>"#
                }
            }
        }
        var axes = ""
        let xEvery = max(1, Int((30 / cell).rounded(.up)))
        for (index, value) in xRange.values.enumerated() where index % xEvery == 0 {
            let x = Self.margin + (Double(index) + 0.5) * cell
            axes +=
                String(format: #"<text class="tick" x="%.1f" y="%.1f" text-anchor="middle">"#, x, height - 30) + OptimizationFiles.number(value)
                + "</text>"
        }
        axes +=
            String(format: #"<text class="tick" x="%.1f" y="%.1f" text-anchor="middle">"#, width / 2, height - 8) + escape(xRange.name) + "</text>"
        if !yRange.name.isEmpty {
            let yEvery = max(1, Int((14 / cell).rounded(.up)))
            for (index, value) in yRange.values.enumerated() where index % yEvery == 0 {
                let y = 8 + (Double(yRange.values.count - 1 - index) + 0.5) * cell + 4
                axes +=
                    String(format: #"<text class="tick" x="%.1f" y="%.1f" text-anchor="end">"#, Self.margin - 6, y) + OptimizationFiles.number(value)
                    + "</text>"
            }
            axes +=
                String(format: #"<text class="tick" x="12" y="%.1f" transform="rotate(-90 12 %.1f)" text-anchor="middle">"#, height / 2, height / 2)
                + escape(yRange.name) + "</text>"
        }
        return """
            <h2>\(escape(optimizer.objective.rawValue)) by parameter (fold \(fold), in-sample; from \(OptimizationFiles.fixed(low)) red to \(OptimizationFiles.fixed(high)) green; the best outlined)</h2>
            <svg class="heat" role="img" aria-label="objective heat map" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))">\(body)<g class="axis">\(axes)</g></svg>
            """
    }

    /// The test windows' equity joined end to end on the chart module's dated axes, the folds' boundaries marked.
    func stitchedEquity() -> (heading: String, chart: TimeSeriesChart?) {
        let points = files.outcome.stitchedOutOfSampleEquity
        guard let first = points.first, let last = points.last, points.count > 1 else { return ("", nil) }
        let step = max(1, points.count / 4_000)
        let series = stride(from: 0, to: points.count, by: step).map { TimeSeriesChart.Point(points[$0].time, .number(points[$0].equity)) }
        let boundaries = files.outcome.folds.dropFirst().compactMap { fold -> TimeSeriesChart.Event? in
            guard let test = fold.fold.test, test.lowerBound > first.time else { return nil }
            return .init(time: test.lowerBound, label: "fold \(fold.fold.number) begins")
        }
        let chart = TimeSeriesChart(
            container: "stitched-equity",
            panels: [.init(title: "Out-of-sample equity", unit: "", series: [.init(name: "equity", className: "equity", points: series)])],
            events: boundaries)
        let heading = """
            <h2>Out-of-sample equity, folds stitched (from \(String(format: "%.2f", first.equity)) to \(String(format: "%.2f", last.equity)))</h2>
            <div id="stitched-equity" role="img" aria-label="out-of-sample equity"></div>
            """
        return (heading, chart)
    }

    func escape(_ text: String) -> String { ChartReportPage.escape(text) }
}
