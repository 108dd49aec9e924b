import Foundation

extension CandleCSV {
    /// A whole candle CSV in the binary cache's columns, its rows split at line breaks between `parts` threads, each
    /// reading its share of the file (`pread(2)`, behind a copy of the header) with a reader of its own. The result is
    /// exactly what one reader going through the file gives: at any problem — a row a part cannot read, rows out of
    /// order across a split, a value columns cannot hold — the file is read again by one reader, which names the
    /// problem with its row (or leaves the columns `unfit`, for the caller to keep candles).
    public static func readColumns(path: String, parts: Int) throws(ParseError) -> (columns: CandleColumnsBuilder, timeStyle: TimeStyle) {
        let window = 1 << 16
        guard parts > 1, let file = FileDescriptor(path: path), file.size >= 1 << 20, let start = try? file.read(count: window),
            start.count == window, var head = try? Reader(bytes: start, source: path)
        else { return try readColumns(path: path) }
        // The head learns the layout: the header, and the time style of the first row.
        let headerEnd = head.position
        var first = CandleColumnsBuilder()
        guard (try? head.nextColumns(maxRows: 1, into: &first)) == 1, let timeStyle = head.timeStyle, first.unfit == nil else {
            return try readColumns(path: path)
        }
        // Part k reads the lines that start in bounds[k]..<bounds[k + 1] of the file.
        var bounds = [headerEnd]
        for part in 1..<parts {
            let cut = max(headerEnd + (file.size - headerEnd) * part / parts, bounds[part - 1])
            guard let near = file.read(count: window, at: cut), let newline = near.firstIndex(of: 0x0A) else { return try readColumns(path: path) }
            bounds.append(cut + newline + 1)
        }
        bounds.append(file.size)
        let header = Array(start[..<headerEnd])
        let cuts = bounds
        let descriptor = file.descriptor
        let results = PartResults<CandleColumnsBuilder>()
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            // Each part starts without a previous row; the order across a split is checked when the parts are joined.
            guard let bytes = FileDescriptor.read(descriptor, cuts[part]..<cuts[part + 1], after: header),
                var reader = try? Reader(bytes: bytes, source: path)
            else { return }
            if part > 0 { reader.timeStyle = timeStyle }
            var columns = CandleColumnsBuilder(expectedRows: bytes.count / 48)
            do {
                while try reader.nextColumns(maxRows: 1 << 16, into: &columns) > 0 {}
            } catch {
                return
            }
            results.record(columns, part: part)
        }
        let read = results.all
        guard var columns = read[0] else { return try readColumns(path: path) }
        for part in 1..<parts {
            guard let next = read[part], columns.append(contentsOf: next) else { return try readColumns(path: path) }
        }
        guard columns.unfit == nil else { return try readColumns(path: path) }
        return (columns, timeStyle)
    }

    /// A whole candle CSV in columns, read by one reader.
    public static func readColumns(path: String) throws(ParseError) -> (columns: CandleColumnsBuilder, timeStyle: TimeStyle) {
        var reader = try Reader(path: path)
        var columns = CandleColumnsBuilder()
        while columns.unfit == nil, try reader.nextColumns(maxRows: 1 << 16, into: &columns) > 0 {}
        guard let timeStyle = reader.timeStyle else { throw ParseError(source: path, row: nil, problem: "has a header but no rows") }
        return (columns, timeStyle)
    }
}
