import Foundation
import KeelsonIndicators

/// The shared reference files, found relative to this source file so the tests run from any working directory.
enum ReferenceData {
    /// Tests/IndicatorsTests/ReferenceData.swift → the repository root → its sibling `shared/data`.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("../shared/data")
        .standardizedFileURL

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
