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
        case let bool as Bool: return bool ? "yes" : "no"
        case let number as NSNumber: return number.stringValue
        default: return String(describing: value!)
        }
    }

    static func table(_ rows: [[String: Any]], columns: [(header: String, key: String)]) -> String {
        TableFormatter.render(header: columns.map(\.header), rows: rows.map { row in columns.map { text(row[$0.key]) } })
    }
}
