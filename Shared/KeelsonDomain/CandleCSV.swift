import Foundation

/// Reads OHLCV files: a header naming time, open, high, low, close, volume (any case, any order; the time
/// column may be unnamed, as in backtesting.py's GOOG.csv), then one bar per row with the time as ISO-8601
/// (date or date-time) or epoch milliseconds. Every problem names the row and what is wrong.
public enum CandleCSV {
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var source: String
        public var row: Int?
        public var problem: String

        public var description: String {
            if let row { return "\(source): row \(row): \(problem)" }
            return "\(source): \(problem)"
        }
    }

    /// The rows of the file, exactly as written (times parsed), before they become candles.
    public struct Row: Sendable, Equatable {
        public var time: Date
        /// The time cell as written, so outputs can show times "as in the input file".
        public var timeText: String
        public var open: Decimal, high: Decimal, low: Decimal, close: Decimal, volume: Decimal
    }

    static let required = ["open", "high", "low", "close", "volume"]
    static let timeNames = ["time", "date", "datetime", "timestamp", "open_time", ""]

    public static func parse(_ text: String, source: String) throws(ParseError) -> [Row] {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        guard let header = lines.first else { throw ParseError(source: source, row: nil, problem: "the file is empty; expected a header time,open,high,low,close,volume") }
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let timeIndex = names.firstIndex(where: { timeNames.contains($0) }) else {
            throw ParseError(source: source, row: 1, problem: "no time column; the header must name time (or date), open, high, low, close, volume, found: \(header)")
        }
        var indexes: [String: Int] = [:]
        for name in required {
            guard let index = names.firstIndex(of: name) else {
                throw ParseError(source: source, row: 1, problem: "no '\(name)' column; the header must name time, open, high, low, close, volume, found: \(header)")
            }
            indexes[name] = index
        }
        var rows: [Row] = []
        rows.reserveCapacity(lines.count - 1)
        let posix = Locale(identifier: "en_US_POSIX")
        for (offset, line) in lines.dropFirst().enumerated() {
            let rowNumber = offset + 2
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == names.count else {
                throw ParseError(source: source, row: rowNumber, problem: "has \(cells.count) cells, the header has \(names.count)")
            }
            let timeText = cells[timeIndex]
            guard let time = parseTime(timeText) else {
                throw ParseError(source: source, row: rowNumber, problem: "time '\(timeText)' is not ISO-8601 (2024-01-31 or 2024-01-31T09:30:00Z) or epoch milliseconds")
            }
            var values: [Decimal] = []
            for name in required {
                let cell = cells[indexes[name]!]
                guard let value = Decimal(string: cell, locale: posix), !value.isNaN, cell.lowercased() != "nan",
                      cell.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "e" || $0 == "E" || $0 == "+" })
                else {
                    throw ParseError(source: source, row: rowNumber, problem: "\(name) '\(cell)' is not a number")
                }
                values.append(value)
            }
            if let previous = rows.last, time <= previous.time {
                throw ParseError(source: source, row: rowNumber, problem: "time \(timeText) is not after the previous row's \(previous.timeText); rows must be sorted by time without duplicates")
            }
            let row = Row(time: time, timeText: timeText, open: values[0], high: values[1], low: values[2], close: values[3], volume: values[4])
            guard row.high >= row.low, row.high >= row.open, row.high >= row.close, row.low <= row.open, row.low <= row.close, row.volume >= 0 else {
                throw ParseError(source: source, row: rowNumber, problem: "prices are inconsistent (need low ≤ open, close ≤ high and volume ≥ 0)")
            }
            rows.append(row)
        }
        guard !rows.isEmpty else { throw ParseError(source: source, row: nil, problem: "has a header but no rows") }
        return rows
    }

    public static func load(path: String) throws(ParseError) -> [Row] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ParseError(source: path, row: nil, problem: "cannot be read: \((error as NSError).localizedDescription)")
        }
        return try parse(text, source: path)
    }

    public static func candles(_ rows: [Row], exchange: String, symbol: Symbol, interval: CandleInterval) -> [Candle] {
        rows.map {
            Candle(exchange: exchange, symbol: symbol, interval: interval, openTime: $0.time, open: $0.open, high: $0.high, low: $0.low, close: $0.close, volume: $0.volume)
        }
    }

    static func parseTime(_ text: String) -> Date? {
        if !text.isEmpty, text.allSatisfy(\.isNumber), let milliseconds = Int64(text) {
            return Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
        }
        if text.count == 10, let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) {
            return date
        }
        let normalized = text.replacingOccurrences(of: " ", with: "T")
        if let date = try? Date(normalized, strategy: .iso8601) { return date }
        if let date = try? Date(normalized, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(normalized + "Z", strategy: .iso8601)
    }
}
