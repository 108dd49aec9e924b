/// A trading pair or ticker as the exchange spells it (e.g. BTCUSDT, GOOG).
public struct Symbol: RawRepresentable, Sendable, Codable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init?(rawValue: String) {
        guard (1...20).contains(rawValue.count),
            rawValue.allSatisfy({ ($0.isASCII && ($0.isUppercase || $0.isNumber)) || $0 == "-" || $0 == "_" })
        else { return nil }
        self.rawValue = rawValue
    }

    public init(parsing text: String) throws(DomainError) {
        guard let symbol = Symbol(rawValue: text) else {
            throw DomainError.invalid(field: "symbol", value: text, expected: "1 to 20 upper-case letters, digits, '-' or '_' (e.g. BTCUSDT)")
        }
        self = symbol
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try Symbol(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: Symbol, rhs: Symbol) -> Bool { lhs.rawValue < rhs.rawValue }
}
