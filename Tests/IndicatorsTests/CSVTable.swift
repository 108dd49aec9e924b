import Foundation

/// Just enough CSV for the reference files: a header row, comma-separated cells, no quoting; an empty cell is a
/// missing value (TA-Lib's warm-up).
struct CSVTable {
    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    let header: [String]
    let rows: [[String]]
    let source: String

    init(contentsOf url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        try self.init(parsing: text, source: url.lastPathComponent)
    }

    init(parsing text: String, source: String) throws {
        self.source = source
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first else { throw ReadError(description: "\(source): the file is empty") }
        header = Self.cells(first)
        rows = lines.dropFirst().map(Self.cells)
        for (offset, row) in rows.enumerated() where row.count != header.count {
            throw ReadError(description: "\(source): row \(offset + 2) has \(row.count) cells, the header has \(header.count)")
        }
    }

    /// The column's values, nil where the cell is empty.
    func column(_ name: String) throws -> [Double?] {
        guard let index = header.firstIndex(of: name) else {
            throw ReadError(description: "\(source): no column '\(name)' in \(header)")
        }
        return try rows.enumerated().map { offset, row in
            let cell = row[index]
            if cell.isEmpty { return nil }
            guard let value = Double(cell) else {
                throw ReadError(description: "\(source): row \(offset + 2): \(name) '\(cell)' is not a number")
            }
            return value
        }
    }

    /// The column's values, every cell required.
    func requiredColumn(_ name: String) throws -> [Double] {
        try column(name).enumerated().map { offset, value in
            guard let value else { throw ReadError(description: "\(source): row \(offset + 2): \(name) is empty") }
            return value
        }
    }

    func textColumn(at index: Int) -> [String] {
        rows.map { $0[index] }
    }

    private static func cells(_ line: String) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
}
