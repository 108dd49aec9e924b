import Foundation
import KeelsonDomain

/// The reference files in ../shared/data, found from this file's location so tests run from any directory.
enum ReferenceData {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data")

    static func googCandles() throws -> [Candle] {
        let rows = try CandleCSV.load(path: directory.appendingPathComponent("GOOG.csv").path)
        return CandleCSV.candles(rows, exchange: "reference", symbol: try Symbol(parsing: "GOOG"), interval: .oneDay)
    }

    /// (entry bar, exit bar, entry time) of goog_sma_10_30_trades.csv.
    static func googTrades() throws -> [(entryBar: Int, exitBar: Int, entryTime: String)] {
        let text = try String(contentsOf: directory.appendingPathComponent("goog_sma_10_30_trades.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            return (Int(cells[1])!, Int(cells[2])!, String(cells[3]))
        }
    }
}
