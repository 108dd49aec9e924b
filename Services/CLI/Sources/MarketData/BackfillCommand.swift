import ArgumentParser
import Foundation
import KeelsonDomain
import KeelsonPersistence

struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Fetch candles from a provider for a time range and store them, with a progress line."
    )
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Provider: synthetic, binance or coinbase.") var provider = "synthetic"
    @Option(help: "Comma-separated symbols.") var symbols: String
    @Option(help: "Bar interval, e.g. 1m.") var interval = "1m"
    @Option(help: "Start (ISO-8601 or epoch ms), inclusive.") var from: String
    @Option(help: "End (ISO-8601 or epoch ms), exclusive.") var to: String
    @Option(help: "Seed of the synthetic provider.") var seed: UInt64 = 42

    func run() async throws {
        try await reportingErrors {
            let symbols = try MarketDataArguments.symbols(symbols)
            let interval = try MarketDataArguments.interval(interval)
            let start = try MarketDataArguments.time(from, option: "--from"), end = try MarketDataArguments.time(to, option: "--to")
            guard start < end else { throw CLIError("--from must be before --to", exitCode: 2) }
            let source = try MarketDataArguments.provider(provider, seed: seed, symbols: symbols, interval: interval)
            let chunk = TimeInterval(interval.seconds) * 10_000
            let total = Int(end.timeIntervalSince(start) / TimeInterval(interval.seconds)) * symbols.count
            let progress = ProgressLine(total: total, unit: "candles")
            let stored = try await database.withClient { client, _ in
                let store = PostgresCandleStore(client: client, logger: CLILogger.quiet)
                var count = 0
                for symbol in symbols {
                    var cursor = start
                    while cursor < end {
                        let next = min(cursor.addingTimeInterval(chunk), end)
                        let candles = try await source.candles(symbol: symbol, interval: interval, from: cursor, to: next)
                        try await store.upsert(candles)
                        count += candles.count
                        progress.update(count)
                        cursor = next
                    }
                }
                return count
            }
            progress.finish()
            print("backfilled \(stored) \(interval.rawValue) candles of \(symbols.map(\.rawValue).joined(separator: ", ")) from \(provider)")
        }
    }
}
