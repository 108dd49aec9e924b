import Foundation

/// The charts and tables a report.html draws, read back from its JSON block.
struct ReportData: Decodable {
    struct Chart: Decodable {
        struct Panel: Decodable {
            struct Series: Decodable {
                var kind: String
                /// `[milliseconds, value]`; the reports' values are numbers.
                var points: [[Double]]
            }
            struct Marker: Decodable { var kind: String }
            var title: String
            var series: [Series]
            var markers: [Marker]
        }
        struct Event: Decodable { var label: String }
        var panels: [Panel]
        var events: [Event]
    }
    struct Table: Decodable { var rows: [[String: String]] }
    var charts: [Chart]
    var tables: [Table]

    init(html: String) throws {
        let open = #"<script type="application/json" id="kc-report-data">"#
        guard let start = html.range(of: open), let end = html.range(of: "</script>", range: start.upperBound..<html.endIndex) else {
            throw CocoaError(.coderReadCorrupt)
        }
        let json = html[start.upperBound..<end.lowerBound].replacingOccurrences(of: #"<\/"#, with: "</")
        self = try JSONDecoder().decode(ReportData.self, from: Data(json.utf8))
    }

    /// Opens from disk with nothing fetched: no external script, style, image, frame or request.
    static func isSelfContained(_ html: String) -> Bool {
        ["src=\"http", "href=\"http", "url(http", "fetch(", "XMLHttpRequest", "@import", "<iframe"].allSatisfy { !html.contains($0) }
    }
}
