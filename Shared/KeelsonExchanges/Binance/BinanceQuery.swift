import Foundation

/// Request parameters in the order they are added, encoded as a query string. The order matters: the
/// signature covers the string exactly as sent.
public struct BinanceQuery: Sendable, Equatable {
    public private(set) var items: [(name: String, value: String)] = []

    public init() {}

    public init(_ items: [(String, String?)]) {
        for (name, value) in items {
            if let value { append(name, value) }
        }
    }

    public mutating func append(_ name: String, _ value: String) {
        items.append((name, value))
    }

    /// `name=value&…` with everything outside RFC 3986's unreserved set percent-encoded (so non-ASCII becomes
    /// UTF-8 `%XX`, as the signing rules require).
    public var encoded: String {
        items.map { "\(Self.encode($0.name))=\(Self.encode($0.value))" }.joined(separator: "&")
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    public static func == (lhs: BinanceQuery, rhs: BinanceQuery) -> Bool {
        lhs.items.elementsEqual(rhs.items) { $0.name == $1.name && $0.value == $1.value }
    }
}
