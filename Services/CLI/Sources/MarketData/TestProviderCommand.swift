import ArgumentParser
import Foundation
import KeelsonDomain

struct TestProviderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-provider",
        abstract: "Fetch the most recent candles from a provider and print them, or the error."
    )
    @Argument(help: "Provider: synthetic, binance or coinbase.") var provider: String
    @Argument(help: "Symbol, e.g. BTCUSDT.") var symbol: String
    @Argument(help: "Interval, e.g. 1m.") var interval: String
    @Option(help: "How many recent candles.") var count = 5
    @Option(help: "Seed of the synthetic provider.") var seed: UInt64 = 42

    func run() async throws {
        try await reportingErrors {
            let symbol = try MarketDataArguments.symbol(symbol)
            let interval = try MarketDataArguments.interval(interval)
            guard (1...1000).contains(count) else { throw CLIError("--count must be from 1 to 1000", exitCode: 2) }
            let source = try MarketDataArguments.provider(provider, seed: seed, symbols: [symbol], interval: interval)
            let end = Date.now
            let candles: [Candle]
            do {
                // Three bars more than asked for: near a bar's end, the newest may not be closed yet and a provider may
                // start its window at the next whole bar; the newest `count` closed ones are shown.
                candles = try await source.candles(
                    symbol: symbol, interval: interval, from: end.addingTimeInterval(-TimeInterval(interval.seconds) * Double(count + 3)), to: end)
            } catch {
                throw CLIError("\(provider) failed: \(error)")
            }
            let rows = candles.filter { $0.closeTime <= end }.suffix(count).map { candle -> [String?] in
                [
                    candle.openTime.formatted(.iso8601), candle.open.description, candle.high.description, candle.low.description,
                    candle.close.description, candle.volume.description,
                ]
            }
            print(TableFormatter.render(header: ["open_time", "open", "high", "low", "close", "volume"], rows: rows))
            print("✔ \(provider) answered with \(rows.count) closed \(interval.rawValue) candles of \(symbol)")
        }
    }
}
