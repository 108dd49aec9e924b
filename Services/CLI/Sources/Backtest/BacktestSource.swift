import Foundation
import KeelsonDomain
import KeelsonPersistence

/// The candles of a backtest, handed over a chunk at a time so a history of millions of bars never sits in
/// memory: a CSV file read by `CandleCSV.Reader`, or the candle store read a page at a time.
struct BacktestSource {
    enum Origin {
        case file(path: String, reader: CandleCSV.Reader, first: [Candle])
        /// The file's binary cache (`keelson data cache build`), current with the file.
        case cache(CandleCache, symbol: Symbol, interval: CandleInterval)
        case store(
            database: DatabaseOptions, exchange: String, symbol: Symbol, interval: CandleInterval, from: Date, to: Date, fromText: String,
            toText: String)
    }

    static let chunkRows = 1 << 16
    static let storePage = 50_000

    private var origin: Origin

    /// The binary cache the candles come from, when they do.
    var cache: (cache: CandleCache, symbol: Symbol, interval: CandleInterval)? {
        if case .cache(let cache, let symbol, let interval) = origin { return (cache, symbol, interval) }
        return nil
    }
    /// How outputs write times: as the file wrote them, ISO-8601 for the store.
    let timeStyle: CandleCSV.TimeStyle

    /// Opens `path` — its binary cache when that is current, else the CSV, reading the first chunk (which tells
    /// the time style and, unless given, the interval).
    static func file(_ path: String, symbol: Symbol, interval: CandleInterval?) throws(CLIError) -> BacktestSource {
        if let cache = CandleCache.load(csv: path) {
            let times = cache.times.prefix(200).map { Date(timeIntervalSince1970: Double($0) / 1000) }
            let known: CandleInterval
            if let interval { known = interval } else { known = try inferInterval(times, file: path) }
            return BacktestSource(origin: .cache(cache, symbol: symbol, interval: known), timeStyle: cache.timeStyle)
        }
        do {
            var reader = try CandleCSV.Reader(path: path)
            // The interval is not known before the first rows are read; the first chunk is relabelled once it is.
            var first = try reader.nextCandles(maxRows: chunkRows, exchange: "file", symbol: symbol, interval: interval ?? .oneMinute)
            guard !first.isEmpty else { throw CLIError("\(path): has a header but no rows", exitCode: 2) }
            if interval == nil {
                let inferred = try inferInterval(first.prefix(200).map(\.openTime), file: path)
                for index in first.indices { first[index].interval = inferred }
            }
            return BacktestSource(origin: .file(path: path, reader: reader, first: first), timeStyle: reader.timeStyle ?? .iso8601)
        } catch let error as CandleCSV.ParseError {
            throw CLIError(error.description, exitCode: 2)
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(path): \(error)", exitCode: 2)
        }
    }

    static func store(
        database: DatabaseOptions, exchange: String, symbol: Symbol, interval: CandleInterval, from: Date, to: Date, fromText: String, toText: String
    ) -> BacktestSource {
        BacktestSource(
            origin: .store(
                database: database, exchange: exchange, symbol: symbol, interval: interval, from: from, to: to, fromText: fromText, toText: toText),
            timeStyle: .iso8601
        )
    }

    /// Calls `body` with each chunk of candles, oldest first, and how much of the input has been read (0...1).
    mutating func feed(_ body: ([Candle], Double) throws -> Void) async throws {
        switch origin {
        case .file(_, var reader, let first):
            var candles = first
            let (symbol, interval) = (first[0].symbol, first[0].interval)
            do {
                while !candles.isEmpty {
                    try body(candles, reader.fractionRead)
                    candles = try reader.nextCandles(maxRows: Self.chunkRows, exchange: "file", symbol: symbol, interval: interval)
                }
            } catch let error as CandleCSV.ParseError {
                throw CLIError(error.description, exitCode: 2)
            }
        case .cache(let cache, let symbol, let interval):
            for start in stride(from: 0, to: cache.count, by: Self.chunkRows) {
                let end = min(cache.count, start + Self.chunkRows)
                try body(cache.candles(start..<end, exchange: "file", symbol: symbol, interval: interval), Double(end) / Double(cache.count))
            }
        case .store(let database, let exchange, let symbol, let interval, let from, let to, let fromText, let toText):
            let span = to.timeIntervalSince(from)
            let count = try await database.withClient { client, _ in
                let store = PostgresCandleStore(client: client, logger: CLILogger.quiet)
                var cursor = from.addingTimeInterval(-0.001)
                var count = 0
                while true {
                    let page = try await store.candles(exchange: exchange, symbol: symbol, interval: interval, after: cursor, limit: Self.storePage)
                    let inRange = Array(page.prefix { $0.openTime < to })
                    count += inRange.count
                    if let last = inRange.last { try body(inRange, min(1, last.openTime.timeIntervalSince(from) / span)) }
                    guard let last = page.last, last.openTime < to, page.count == Self.storePage else { break }
                    cursor = last.openTime
                }
                return count
            }
            guard count > 0 else {
                throw CLIError(
                    "no \(interval.rawValue) candles of \(symbol) on \(exchange) from \(fromText) to \(toText); `keelson data backfill` or `keelson data import` stores some",
                    exitCode: 1)
            }
        }
    }

    /// The whole history in the binary cache's columns, and its market: a CSV read straight into them on every core,
    /// without a candle per row. Nil when a value does not fit columns (`feed` then gives the candles).
    mutating func columns() async throws -> (cache: CandleCache, exchange: String, symbol: Symbol, interval: CandleInterval)? {
        switch origin {
        case .cache(let cache, let symbol, let interval):
            return (cache, "file", symbol, interval)
        case .file(let path, _, let first):
            let read: (columns: CandleColumnsBuilder, timeStyle: CandleCSV.TimeStyle)
            do {
                read = try CandleCSV.readColumns(path: path, parts: ProcessInfo.processInfo.activeProcessorCount)
            } catch {
                throw CLIError(error.description, exitCode: 2)
            }
            guard let cache = read.columns.finish(timeStyle: read.timeStyle) else { return nil }
            return (cache, "file", first[0].symbol, first[0].interval)
        case .store(_, let exchange, let symbol, let interval, _, _, _, _):
            let gathered = ColumnsGatherer()
            try await feed { chunk, _ in gathered.append(chunk) }
            guard let cache = gathered.columns.finish(timeStyle: timeStyle) else { return nil }
            return (cache, exchange, symbol, interval)
        }
    }

    /// The store's pages gathered into columns as they arrive.
    private final class ColumnsGatherer {
        var columns = CandleColumnsBuilder()
        func append(_ candles: [Candle]) { for candle in candles { columns.append(candle) } }
    }

    /// The most common spacing of the first rows, when it is a known interval.
    static func inferInterval(_ times: [Date], file: String) throws(CLIError) -> CandleInterval {
        var counts: [Int64: Int] = [:]
        for (previous, current) in zip(times, times.dropFirst()) {
            counts[Int64(current.timeIntervalSince(previous).rounded()), default: 0] += 1
        }
        let spacing = counts.max { $0.value < $1.value }?.key ?? 0
        // Daily data skips weekends, so the most common gap of a daily file is one day.
        guard let interval = CandleInterval.allCases.first(where: { $0.seconds == spacing }) else {
            throw CLIError("\(file): cannot tell the bar interval from the times (most rows are \(spacing) s apart); pass --interval", exitCode: 2)
        }
        return interval
    }
}
