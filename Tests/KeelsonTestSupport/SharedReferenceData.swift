import Foundation
import KeelsonDomain

/// The reference files of `../shared/data` (next to the repository), found from this file's location so tests
/// run from any working directory.
public enum SharedReferenceData {
    public static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data")

    public static func url(_ name: String) -> URL {
        directory.appendingPathComponent(name)
    }

    public static func googRows() throws -> [CandleCSV.Row] {
        try CandleCSV.load(path: url("GOOG.csv").path)
    }

    /// GOOG.csv as daily candles of symbol GOOG.
    public static func googCandles(exchange: String) throws -> [Candle] {
        CandleCSV.candles(try googRows(), exchange: exchange, symbol: try Symbol(parsing: "GOOG"), interval: .oneDay)
    }
}
