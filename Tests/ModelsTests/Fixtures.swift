import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonModels
import KeelsonTestSupport

/// The committed scikit-learn fixtures (Fixtures/generate_fixtures.py made them) and the sample market data.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Table {
        var header: [String]
        var rows: [[String]]

        func column(_ name: String) -> [String] {
            let index = header.firstIndex(of: name)!
            return rows.map { $0[index] }
        }

        func numbers(_ name: String) -> [Double] { column(name).map { Double($0)! } }
    }

    static func table(_ name: String) throws -> Table {
        let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        var lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines.removeFirst()
        return Table(header: header, rows: lines)
    }

    static func results() throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent("sklearn_results.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// A matrix and labels from a fixture table's feature columns and its `label` column.
    static func dataset(_ table: Table, features: [String]) -> (FeatureMatrix, [Double]) {
        var matrix = FeatureMatrix(columns: features.count)
        let columns = features.map { table.numbers($0) }
        for row in table.rows.indices { matrix.append(row: columns.map { $0[row] }) }
        return (matrix, table.numbers("label"))
    }

    static func sampleBars(_ symbol: String = "BTCUSDT") throws -> [TimedBar] {
        let path = ServiceProcess.packageRoot.appendingPathComponent("data/sample/\(symbol)-1m.csv").path
        return try CandleCSV.load(path: path).map(timedBar)
    }

    static func timedBar(_ row: CandleCSV.Row) -> TimedBar {
        TimedBar(
            openTime: row.time,
            ohlcv: OHLCV(
                open: row.open.doubleValue, high: row.high.doubleValue, low: row.low.doubleValue, close: row.close.doubleValue,
                volume: row.volume.doubleValue))
    }
}
