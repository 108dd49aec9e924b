import ArgumentParser
import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonStrategies

struct IndicatorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indicators",
        abstract: "Compute indicators over an OHLCV file and write them as CSV, to check our values against a charting tool.",
        discussion: "Columns: the input's time, then one per indicator output, empty during warm-up, full double precision."
    )

    @Option(help: "OHLCV CSV (header time,open,high,low,close,volume; the GOOG.csv format is accepted).") var data: String
    @Option(help: "Where to write the CSV.") var out: String
    @Option(name: .customLong("set"), help: "Indicators: \(IndicatorSet.usage).") var indicators = IndicatorSet.defaultSet

    func run() async throws {
        try await reportingErrors {
            var set: IndicatorSet
            do { set = try IndicatorSet(parsing: indicators) } catch let error as IndicatorSet.ParseError {
                throw CLIError(error.description, exitCode: 2)
            }
            let rows: [CandleCSV.Row]
            do { rows = try CandleCSV.load(path: data) } catch let error as CandleCSV.ParseError { throw CLIError(error.description, exitCode: 2) }
            var lines = [(["time"] + set.header).joined(separator: ",")]
            lines.reserveCapacity(rows.count + 1)
            for row in rows {
                let bar = OHLCV(
                    open: row.open.doubleValue, high: row.high.doubleValue, low: row.low.doubleValue, close: row.close.doubleValue,
                    volume: row.volume.doubleValue)
                let cells = set.update(bar).map { $0.map { "\($0)" } ?? "" }
                lines.append(([row.timeText] + cells).joined(separator: ","))
            }
            do {
                try (lines.joined(separator: "\n") + "\n").write(toFile: out, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError("cannot write \(out): \((error as NSError).localizedDescription)")
            }
            print("wrote \(rows.count) rows × \(set.header.count) indicator columns to \(out)")
        }
    }
}
