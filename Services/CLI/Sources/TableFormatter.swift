/// Plain-text tables for people: columns padded to their widest cell, NULL shown as an empty cell.
enum TableFormatter {
    static func render(header: [String], rows: [[String?]]) -> String {
        guard !header.isEmpty else { return "" }
        let cells = rows.map { $0.map { $0 ?? "" } }
        var widths = header.map(\.count)
        for row in cells {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ values: [String]) -> String {
            values.enumerated().map { index, value in
                value.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        var lines = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        lines += cells.map(line)
        return lines.joined(separator: "\n")
    }
}
