import Foundation
import KeelsonBacktest
import KeelsonOptimizer

/// `report.html` of a search: one self-contained page (no scripts, no network) with a heat map of the objective over
/// the first two searched parameters, the out-of-sample equity stitched across folds with dated axes, and the folds.
/// Hover read-outs are SVG titles, which need no script.
struct OptimizationHTMLReport {
    let files: OptimizationFiles

    static let cell = 22.0
    static let margin = 56.0

    func render() -> String {
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
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(files.strategy)) optimisation</title>
            <style>
            body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
            svg { background: #fafafa; border: 1px solid #ddd; margin-bottom: 16px; }
            .axis text, .tick { font-size: 11px; fill: #444; }
            .grid { stroke: #e4e4e4; }
            .equity { fill: none; stroke: #1f6feb; stroke-width: 1.5; }
            .fold { stroke: #999; stroke-dasharray: 4 3; }
            .empty { fill: #ddd; }
            .best { fill: none; stroke: #000; stroke-width: 2; }
            table { border-collapse: collapse; } td, th { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
            </style></head><body>
            <h1>\(escape(files.strategy)): \(escape(optimizer.objective.rawValue))</h1>
            <p>Best: <strong>\(escape(best))</strong>. Constraints: \(escape(constraints)). \(optimizer.space.combinations.count) combinations × \(files.outcome.folds.count) folds on \(files.bars) bars.</p>
            \(heatMap())
            \(stitchedEquity())
            <h2>Folds</h2>
            <table><tr><th>fold</th><th>train</th><th>test</th><th>best</th><th>in-sample</th><th>out-of-sample</th><th>efficiency</th></tr>
            \(foldRows)
            </table>
            </body></html>

            """
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
            <svg role="img" aria-label="objective heat map" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))">\(body)<g class="axis">\(axes)</g></svg>
            """
    }

    /// The test windows' equity joined end to end, with a dated time axis, an equity axis and the folds' boundaries.
    func stitchedEquity() -> String {
        let points = files.outcome.stitchedOutOfSampleEquity
        guard let first = points.first, let last = points.last, points.count > 1 else { return "" }
        let width = 960.0
        let height = 260.0
        let plotLeft = 70.0
        let plotWidth = width - plotLeft - 16
        let plotHeight = height - 40
        let start = first.time.timeIntervalSince1970
        let span = max(last.time.timeIntervalSince1970 - start, 1)
        let low = points.map(\.equity).min()!
        let high = max(points.map(\.equity).max()!, low + 1e-9)
        func x(_ time: Date) -> Double { plotLeft + (time.timeIntervalSince1970 - start) / span * plotWidth }
        func y(_ value: Double) -> Double { 8 + (high - value) / (high - low) * (plotHeight - 8) }
        let step = max(1, points.count / 2_000)
        let line = stride(from: 0, to: points.count, by: step).map { String(format: "%.1f,%.1f", x(points[$0].time), y(points[$0].equity)) }
            .joined(separator: " ")
        var axes = ""
        for tick in 0...4 {
            let value = low + (high - low) * Double(tick) / 4
            axes += String(format: #"<line class="grid" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>"#, plotLeft, width - 16, y(value), y(value))
            axes += String(format: #"<text class="tick" x="%.1f" y="%.1f" text-anchor="end">%.0f</text>"#, plotLeft - 6, y(value) + 4, value)
            let time = Date(timeIntervalSince1970: start + span * Double(tick) / 4)
            axes +=
                String(format: #"<text class="tick" x="%.1f" y="%.1f" text-anchor="middle">"#, x(time), height - 14)
                + String(time.formatted(.iso8601).prefix(10)) + "</text>"
        }
        var boundaries = ""
        for fold in files.outcome.folds.dropFirst() {
            guard let test = fold.fold.test, test.lowerBound.timeIntervalSince1970 > start else { continue }
            let at = x(test.lowerBound)
            boundaries += String(
                format: #"<line class="fold" x1="%.1f" x2="%.1f" y1="8" y2="%.1f"><title>fold %d</title></line>"#, at, at, plotHeight,
                fold.fold.number)
        }
        return """
            <h2>Out-of-sample equity, folds stitched (from \(String(format: "%.2f", first.equity)) to \(String(format: "%.2f", last.equity)))</h2>
            <svg role="img" aria-label="out-of-sample equity" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))"><g class="axis">\(axes)</g>\(boundaries)<polyline class="equity" points="\(line)"/></svg>
            """
    }

    func escape(_ text: String) -> String { BacktestHTMLReport.escape(text) }
}
