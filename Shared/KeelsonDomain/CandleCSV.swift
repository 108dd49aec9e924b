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

    /// Every row of `text`; for large files, `Reader` reads a chunk at a time.
    public static func parse(_ text: String, source: String) throws(ParseError) -> [Row] {
        var reader = try Reader(bytes: Array(text.utf8), source: source)
        return try reader.all()
    }

    public static func load(path: String) throws(ParseError) -> [Row] {
        var reader = try Reader(path: path)
        return try reader.all()
    }

    public static func candles(_ rows: [Row], exchange: String, symbol: Symbol, interval: CandleInterval) -> [Candle] {
        rows.map {
            Candle(
                exchange: exchange, symbol: symbol, interval: interval, openTime: $0.time, open: $0.open, high: $0.high, low: $0.low, close: $0.close,
                volume: $0.volume)
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
