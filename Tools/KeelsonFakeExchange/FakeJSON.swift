import Foundation
import Hummingbird

/// A JSON value written with its keys in the order given, so answers look field for field like Binance's.
indirect enum FakeJSON: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    case object([(String, FakeJSON)])
    case array([FakeJSON])
    case string(String)
    case int(Int64)
    case bool(Bool)

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int64) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }

    /// A decimal the way Binance prints it: a string with `places` decimals ("0.00034000").
    static func decimal(_ value: Decimal, places: Int = 8) -> FakeJSON {
        .string(format(value, places: places))
    }

    static func format(_ value: Decimal, places: Int = 8) -> String {
        var source = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &source, places, .plain)
        let text = rounded.description
        let parts = text.split(separator: ".", maxSplits: 1)
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard places > 0 else { return String(parts[0]) }
        return "\(parts[0]).\(fraction)\(String(repeating: "0", count: max(0, places - fraction.count)))"
    }

    var text: String {
        switch self {
        case .object(let fields):
            "{" + fields.map { "\(Self.quoted($0.0)):\($0.1.text)" }.joined(separator: ",") + "}"
        case .array(let values):
            "[" + values.map(\.text).joined(separator: ",") + "]"
        case .string(let value): Self.quoted(value)
        case .int(let value): String(value)
        case .bool(let value): value ? "true" : "false"
        }
    }

    func response(status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json;charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let control where control.value < 0x20: result += String(format: "\\u%04x", control.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
