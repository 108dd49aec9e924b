import Foundation
import KeelsonDomain
import KeelsonTestSupport

/// GOOG.csv and the reference trades of ../shared/data/README.md.
enum ReferenceData {
    static func googCandles() throws -> [Candle] {
        try SharedReferenceData.googCandles(exchange: "reference")
    }

    /// (entry bar, exit bar, entry time) of goog_sma_10_30_trades.csv.
    static func googTrades() throws -> [(entryBar: Int, exitBar: Int, entryTime: String)] {
        let text = try String(contentsOf: SharedReferenceData.url("goog_sma_10_30_trades.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            return (Int(cells[1])!, Int(cells[2])!, String(cells[3]))
        }
    }
}
