import Foundation
import KeelsonDomain
import KeelsonPersistence

/// The candles of a backtest, handed over a chunk at a time so a history of millions of bars never sits in
/// memory: a CSV file read by `CandleCSV.Reader`, or the candle store read a page at a time.
struct BacktestSource {
    enum Origin {
        case file(reader: CandleCSV.Reader, first: [CandleCSV.Row], symbol: Symbol, interval: CandleInterval)
        case store(
            database: DatabaseOptions, exchange: String, symbol: Symbol, interval: CandleInterval, from: Date, to: Date, fromText: String,
            toText: String)
    }

    static let chunkRows = 1 << 16
    static let storePage = 50_000

    private var origin: Origin
    /// How outputs write times: as the file wrote them, ISO-8601 for the store.
    let timeStyle: CandleCSV.TimeStyle

    /// Opens `path` and reads its first chunk (which tells the time style and, unless given, the interval).
    static func file(_ path: String, symbol: Symbol, interval: CandleInterval?) throws(CLIError) -> BacktestSource {
        do {
            var reader = try CandleCSV.Reader(path: path)
            let first = try reader.next(maxRows: chunkRows)
            guard !first.isEmpty else { throw CLIError("\(path): has a header but no rows", exitCode: 2) }
            let interval = try interval ?? inferInterval(first, file: path)
            return BacktestSource(
                origin: .file(reader: reader, first: first, symbol: symbol, interval: interval), timeStyle: reader.timeStyle ?? .iso8601)
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
        case .file(var reader, let first, let symbol, let interval):
            var rows = first
            do {
                while !rows.isEmpty {
                    try body(CandleCSV.candles(rows, exchange: "file", symbol: symbol, interval: interval), reader.fractionRead)
                    rows = try reader.next(maxRows: Self.chunkRows)
                }
            } catch let error as CandleCSV.ParseError {
                throw CLIError(error.description, exitCode: 2)
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

    /// The most common spacing of the first rows, when it is a known interval.
    static func inferInterval(_ rows: [CandleCSV.Row], file: String) throws(CLIError) -> CandleInterval {
        var counts: [Int64: Int] = [:]
        for (previous, current) in zip(rows.prefix(200), rows.prefix(200).dropFirst()) {
            counts[Int64(current.time.timeIntervalSince(previous.time).rounded()), default: 0] += 1
        }
        let spacing = counts.max { $0.value < $1.value }?.key ?? 0
        // Daily data skips weekends, so the most common gap of a daily file is one day.
        guard let interval = CandleInterval.allCases.first(where: { $0.seconds == spacing }) else {
            throw CLIError("\(file): cannot tell the bar interval from the times (most rows are \(spacing) s apart); pass --interval", exitCode: 2)
        }
        return interval
    }
}
