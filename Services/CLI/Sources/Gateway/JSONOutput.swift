import Foundation
import NIOCore

/// What the read commands print: the gateway's JSON as it came (`--json`, for scripts) or a table for people.
enum JSONOutput {
    static func object(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any]) ?? [:]
    }

    static func printRaw(_ buffer: ByteBuffer) {
        print(String(buffer: buffer))
    }

    /// A cell: strings as they are, numbers plainly, missing as empty.
    static func text(_ value: Any?) -> String? {
        switch value {
        case nil, is NSNull: return nil
        case let string as String: return string
        // JSONSerialization gives every number as NSNumber, which also casts to Bool: ask its type first.
        case let number as NSNumber where String(cString: number.objCType) == "c": return number.boolValue ? "yes" : "no"
        case let number as NSNumber where ["d", "f"].contains(String(cString: number.objCType)):
            let value = number.doubleValue
            if value == value.rounded() { return String(Int64(value)) }
            // Six decimals at most, trailing zeros dropped: 1.5861277609999997 reads 1.586128.
            var text = String(format: "%.6f", value)
            while text.hasSuffix("0") { text.removeLast() }
            return text
        case let number as NSNumber: return number.stringValue
        default: return String(describing: value!)
        }
    }

    static func table(_ rows: [[String: Any]], columns: [(header: String, key: String)]) -> String {
        TableFormatter.render(header: columns.map(\.header), rows: rows.map { row in columns.map { text(row[$0.key]) } })
    }

    /// A listing command's output: the gateway's JSON as it came with `--json`, otherwise the rows under `key` as a
    /// table (each row first passed through `row`, for cells built from nested values), or `empty` when there are none.
    static func printListing(
        _ body: ByteBuffer, key: String, json: Bool, empty: String, columns: [(header: String, key: String)],
        row: ([String: Any]) -> [String: Any] = { $0 }
    ) {
        if json { return printRaw(body) }
        let rows = (object(body)[key] as? [[String: Any]] ?? []).map(row)
        print(rows.isEmpty ? empty : table(rows, columns: columns))
    }
}
