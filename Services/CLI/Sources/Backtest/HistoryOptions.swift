import ArgumentParser
import Foundation
import KeelsonDomain

/// Where a backtest's or a search's candles come from: a CSV file, or a range of the candle store.
struct HistoryOptions: ParsableArguments {
    @Option(help: "OHLCV CSV file (header time,open,high,low,close,volume; the GOOG.csv format is accepted).") var data: String?
    @Option(help: "Symbol: of the file (default DATA), or to read from the candle store.") var symbol: String?
    @Option(help: "Bar interval, e.g. 1m or 1d (read from the store; for a file, inferred when omitted).") var interval: String?
    @Option(help: "Store: first bar's open time (ISO-8601 or epoch ms).") var from: String?
    @Option(help: "Store: end of the range, exclusive.") var to: String?
    @Option(help: "Store: the exchange the candles are stored under.") var exchange = "replay"

    /// These options as arguments, to read the same history again (a recorded search's shards and `collect`).
    var arguments: [String] {
        [
            ("--data", data), ("--symbol", symbol), ("--interval", interval), ("--from", from), ("--to", to),
            ("--exchange", data == nil ? exchange : nil),
        ]
        .flatMap { name, value in value.map { [name, $0] } ?? [] }
    }

    /// What the history is, for the record.
    var description: String {
        if let data { return "file \(data)" }
        return "store \(exchange) \(symbol ?? "") \(interval ?? "") \(from ?? "") to \(to ?? "")"
    }

    /// Where the candles come from: a file read a chunk at a time, or the candle store a page at a time.
    func openSource(database: DatabaseOptions) async throws -> BacktestSource {
        if let data {
            guard from == nil, to == nil else {
                throw CLIError("--from and --to read the candle store; with --data the whole file is used", exitCode: 2)
            }
            return try BacktestSource.file(
                data, symbol: try MarketDataArguments.symbol(symbol ?? "DATA"), interval: try interval.map(MarketDataArguments.interval))
        }
        guard let symbol, let interval, let from, let to else {
            throw CLIError("give --data FILE, or --symbol, --interval, --from and --to to read the candle store", exitCode: 2)
        }
        let start = try MarketDataArguments.time(from, option: "--from")
        let end = try MarketDataArguments.time(to, option: "--to")
        guard start < end else { throw CLIError("--from must be before --to", exitCode: 2) }
        return .store(
            database: database, exchange: exchange, symbol: try MarketDataArguments.symbol(symbol),
            interval: try MarketDataArguments.interval(interval),
            from: start, to: end, fromText: from, toText: to
        )
    }
}
