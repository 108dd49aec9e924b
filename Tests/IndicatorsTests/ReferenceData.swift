import Foundation
import KeelsonIndicators
import KeelsonTestSupport

/// The TA-Lib reference tables of ../shared/data.
enum ReferenceData {
    static let directory = SharedReferenceData.directory

    static func googTable() throws -> CSVTable {
        try CSVTable(contentsOf: directory.appendingPathComponent("GOOG.csv"))
    }

    static func talibTable() throws -> CSVTable {
        try CSVTable(contentsOf: directory.appendingPathComponent("goog_talib_indicators.csv"))
    }

    static func googBars() throws -> [OHLCV] {
        let table = try googTable()
        let open = try table.requiredColumn("Open"), high = try table.requiredColumn("High")
        let low = try table.requiredColumn("Low"), close = try table.requiredColumn("Close")
        let volume = try table.requiredColumn("Volume")
        return open.indices.map { i in
            OHLCV(open: open[i], high: high[i], low: low[i], close: close[i], volume: volume[i])
        }
    }
}
