import ArgumentParser
import Foundation
import KeelsonDomain

/// `keelson data cache`: the binary copy of a candle CSV that searches and backtests load without parsing.
struct CandleCacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Binary candle caches next to CSV files (FILE.kbars), used by backtest and optimize while the CSV is unchanged.",
        subcommands: [CandleCacheBuildCommand.self]
    )
}

struct CandleCacheBuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Read a candle CSV and write its binary cache next to it (FILE.kbars); rebuilt whenever the CSV changes."
    )

    @Argument(help: "The OHLCV CSV file.") var file: String

    func run() async throws {
        try await reportingErrors { try build() }
    }

    func build() throws {
        let started = ContinuousClock.now
        do {
            let read = try CandleCSV.readColumns(path: file, parts: ProcessInfo.processInfo.activeProcessorCount)
            if let unfit = read.columns.unfit { throw CLIError("\(file): \(unfit); it cannot be cached", exitCode: 2) }
            guard let cache = read.columns.finish(timeStyle: read.timeStyle) else { throw CLIError("\(file): has a header but no rows", exitCode: 2) }
            try cache.write(for: file)
            let seconds = (ContinuousClock.now - started) / .seconds(1)
            let bytes = (try? FileManager.default.attributesOfItem(atPath: CandleCache.path(for: file))[.size] as? Int) ?? 0
            print(
                "wrote \(CandleCache.path(for: file)): \(cache.count) bars, \(String(format: "%.1f", Double(bytes) / 1_048_576)) MB, in \(String(format: "%.2f", seconds)) s"
            )
        } catch let error as CandleCSV.ParseError {
            throw CLIError(error.description, exitCode: 2)
        } catch let error as CandleCache.Error {
            throw CLIError(error.description, exitCode: 2)
        }
    }
}
