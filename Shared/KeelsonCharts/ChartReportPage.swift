import Foundation

/// A report as one self-contained HTML file: the page's markup, the chart module and its style inlined, and the
/// charts' and tables' data as a JSON block that `report.js` draws. Opens from disk with no network.
public struct ChartReportPage {
    public var title: String
    /// The page's own CSS, after the chart module's.
    public var style: String
    /// Escaped markup holding an element for each chart's and table's `container` id.
    public var body: String
    public var charts: [TimeSeriesChart]
    public var tables: [SortableTable]

    public init(title: String, style: String = "", body: String, charts: [TimeSeriesChart], tables: [SortableTable] = []) {
        self.title = title
        self.style = style
        self.body = body
        self.charts = charts
        self.tables = tables
    }

    private struct Payload: Encodable {
        var charts: [TimeSeriesChart]
        var tables: [SortableTable]
    }

    public func render() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(Payload(charts: charts, tables: tables)), as: UTF8.self)
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Self.escape(title))</title>
            <style>
            \(String(decoding: ChartAssets.style, as: UTF8.self))
            \(style)
            </style></head><body>
            \(body)
            <script type="application/json" id="kc-report-data">\(Self.scriptSafe(json))</script>
            <script>\(Self.scriptSafe(String(decoding: ChartAssets.script, as: UTF8.self)))</script>
            <script>\(Self.scriptSafe(String(decoding: ChartAssets.reportScript, as: UTF8.self)))</script>
            </body></html>

            """
    }

    /// Text made safe to put inside HTML elements and attribute values.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }

    /// A `</script>` (or `<!--`) inside data or code would end the element early: `<\/` means the same to JSON and
    /// to JavaScript strings and regular expressions.
    static func scriptSafe(_ text: String) -> String {
        text.replacingOccurrences(of: "</", with: "<\\/").replacingOccurrences(of: "<!--", with: "<\\!--")
    }
}
