import Dispatch
import Foundation
import Synchronization

extension CandleCSV {
    /// A whole candle CSV in the binary cache's columns, its rows split at line breaks between `parts` threads, each
    /// reading its share of the file's bytes with its own reader. The result is exactly what one reader going through
    /// the file gives: at any problem — a row a part cannot read, rows out of order across a split, a value columns
    /// cannot hold — the file is read again by one reader, which names the problem with its row (or leaves the
    /// columns `unfit`, for the caller to keep candles).
    public static func readColumns(path: String, parts: Int) throws(ParseError) -> (columns: CandleColumnsBuilder, timeStyle: TimeStyle) {
        guard parts > 1, let file = FileDescriptor(path: path), file.size >= 1 << 20, let bytes = try? file.read(count: file.size),
            bytes.count == file.size
        else { return try readColumns(path: path) }
        // A first reader learns the layout: the header, and the time style of the first row.
        var head = try Reader(bytes: bytes, source: path)
        let bodyStart = head.position
        var first = CandleColumnsBuilder()
        _ = try head.nextColumns(maxRows: 1, into: &first)
        guard let timeStyle = head.timeStyle, first.unfit == nil else { return try readColumns(path: path) }

        // Part k reads the lines that start in bounds[k]..<bounds[k + 1].
        var cuts = [bodyStart]
        for part in 1..<parts {
            let cut = bodyStart + (bytes.count - bodyStart) * part / parts
            cuts.append(bytes[max(cut, cuts[part - 1])...].firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.count)
        }
        cuts.append(bytes.count)
        let bounds = cuts
        let results = Mutex<[Int: CandleColumnsBuilder]>([:])
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            // Each part has a reader of its own over the same bytes (shared, never copied); it starts without a
            // previous row, and the order across a split is checked when the parts are joined.
            guard var reader = try? Reader(bytes: bytes, source: path) else { return }
            reader.position = bounds[part]
            reader.partEnd = bounds[part + 1]
            if part > 0 { reader.timeStyle = timeStyle }
            var columns = CandleColumnsBuilder(expectedRows: (bounds[part + 1] - bounds[part]) / 48)
            do {
                while try reader.nextColumns(maxRows: 1 << 16, into: &columns) > 0 {}
            } catch {
                return
            }
            results.withLock { $0[part] = columns }
        }
        let read = results.withLock { $0 }
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
