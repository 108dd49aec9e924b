import ArgumentParser
import Foundation
import KeelsonDomain
import KeelsonMarketData

struct SyntheticCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthetic",
        abstract: "Write seeded synthetic candles to a CSV file (how the sample data in data/sample was made)."
    )
    @Option(help: "Symbol, e.g. BTCUSDT.") var symbol: String
    @Option(help: "Interval, e.g. 1m.") var interval = "1m"
    @Option(help: "Start (ISO-8601 or epoch ms), inclusive.") var from: String
    @Option(help: "End (ISO-8601 or epoch ms), exclusive.") var to: String
    @Option(help: "Seed: the same seed always gives the same candles.") var seed: UInt64 = 42
    @Option(help: "Where to write the CSV.") var out: String

    func run() async throws {
        try await reportingErrors {
            let symbol = try MarketDataArguments.symbol(symbol)
            let interval = try MarketDataArguments.interval(interval)
            let start = try MarketDataArguments.time(from, option: "--from"), end = try MarketDataArguments.time(to, option: "--to")
            guard start < end else { throw CLIError("--from must be before --to", exitCode: 2) }
            let candles = try await SyntheticProvider(seed: seed).candles(symbol: symbol, interval: interval, from: start, to: end)
            var lines = ["time,open,high,low,close,volume"]
            for candle in candles {
                lines.append("\(candle.openTime.formatted(.iso8601)),\(candle.open),\(candle.high),\(candle.low),\(candle.close),\(candle.volume)")
            }
            do { try (lines.joined(separator: "\n") + "\n").write(toFile: out, atomically: true, encoding: .utf8) } catch {
                throw CLIError("cannot write \(out): \((error as NSError).localizedDescription)")
            }
            print("wrote \(candles.count) \(interval.rawValue) candles of \(symbol) (seed \(seed)) to \(out)")
        }
    }
}
