import ArgumentParser
import KeelsonDomain
import KeelsonPersistence

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Store the candles of an OHLCV CSV file (idempotent: importing twice changes nothing; corrected rows replace old ones)."
    )
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "OHLCV CSV (header time,open,high,low,close,volume; the GOOG.csv format is accepted).") var file: String
    @Option(help: "Symbol the file holds, e.g. BTCUSDT.") var symbol: String
    @Option(help: "Bar interval of the file, e.g. 1m or 1d.") var interval: String
    @Option(help: "Exchange name to store the candles under.") var exchange = "replay"

    func run() async throws {
        try await reportingErrors {
            let symbol = try MarketDataArguments.symbol(symbol)
            let interval = try MarketDataArguments.interval(interval)
            let rows: [CandleCSV.Row]
            do { rows = try CandleCSV.load(path: file) } catch let error as CandleCSV.ParseError { throw CLIError(error.description, exitCode: 2) }
            let candles = CandleCSV.candles(rows, exchange: exchange, symbol: symbol, interval: interval)
            let changed = try await database.withClient { client, _ in
                try await PostgresCandleStore(client: client, logger: CLILogger.quiet).upsert(candles)
            }
            print("imported \(candles.count) \(interval.rawValue) candles of \(symbol) from \(file) (\(changed) new or changed)")
        }
    }
}
