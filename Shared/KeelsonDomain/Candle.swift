import Foundation

/// One closed OHLCV bar. Prices and volume are exact decimals (they end up in orders and fills); the natural
/// key is exchange + symbol + interval + open time.
public struct Candle: Sendable, Equatable, Hashable, Codable {
    public var exchange: String
    public var symbol: Symbol
    public var interval: CandleInterval
    public var openTime: Date
    public var open: Decimal
    public var high: Decimal
    public var low: Decimal
    public var close: Decimal
    public var volume: Decimal

    public init(
        exchange: String, symbol: Symbol, interval: CandleInterval, openTime: Date,
        open: Decimal, high: Decimal, low: Decimal, close: Decimal, volume: Decimal
    ) {
        self.exchange = exchange
        self.symbol = symbol
        self.interval = interval
        self.openTime = openTime
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }

    public var closeTime: Date { openTime.addingTimeInterval(TimeInterval(interval.seconds)) }

    /// Checks the bar is internally consistent (high ≥ open, close ≥ low, volume ≥ 0), naming the broken rule.
    public func validated() throws(DomainError) -> Candle {
        guard high >= low, high >= open, high >= close, low <= open, low <= close else {
            throw DomainError.invalid(
                field: "candle \(symbol) \(interval.rawValue) at \(openTime.formatted(.iso8601))", value: "high \(high) low \(low)",
                expected: "low ≤ open, close ≤ high")
        }
        guard volume >= 0, low > 0 else {
            throw DomainError.invalid(
                field: "candle \(symbol) \(interval.rawValue) at \(openTime.formatted(.iso8601))", value: "low \(low) volume \(volume)",
                expected: "positive prices and a volume of at least 0")
        }
        return self
    }

    enum CodingKeys: String, CodingKey {
        case exchange, symbol, interval, open, high, low, close, volume
        case openTime = "open_time"
    }

    // Decimals travel as strings so no JSON number parser can round them.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        exchange = try container.decode(String.self, forKey: .exchange)
        symbol = try container.decode(Symbol.self, forKey: .symbol)
        interval = try container.decode(CandleInterval.self, forKey: .interval)
        openTime = try container.decode(Date.self, forKey: .openTime)
        open = try container.decodeDecimalString(forKey: .open)
        high = try container.decodeDecimalString(forKey: .high)
        low = try container.decodeDecimalString(forKey: .low)
        close = try container.decodeDecimalString(forKey: .close)
        volume = try container.decodeDecimalString(forKey: .volume)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(exchange, forKey: .exchange)
        try container.encode(symbol, forKey: .symbol)
        try container.encode(interval, forKey: .interval)
        try container.encode(openTime, forKey: .openTime)
        try container.encode(open.description, forKey: .open)
        try container.encode(high.description, forKey: .high)
        try container.encode(low.description, forKey: .low)
        try container.encode(close.description, forKey: .close)
        try container.encode(volume.description, forKey: .volume)
    }
}

extension KeyedDecodingContainer {
    /// A decimal sent as a string ("12.50"); a plain JSON number is accepted too.
    public func decodeDecimalString(forKey key: Key) throws -> Decimal {
        if let text = try? decode(String.self, forKey: key) {
            // Decimal(string:) reads a leading number and ignores the rest ("12,5x" → 12), so check the whole text.
            guard Self.isDecimalNumber(text), let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), !value.isNaN else {
                throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "'\(text)' is not a decimal number")
            }
            return value
        }
        return try decode(Decimal.self, forKey: key)
    }

    /// Optional sign, digits, optional fraction, optional exponent: nothing else.
    static func isDecimalNumber(_ text: String) -> Bool {
        var characters = Substring(text)
        if characters.first == "+" || characters.first == "-" { characters = characters.dropFirst() }
        let mantissa = characters.prefix { $0 != "e" && $0 != "E" }
        let exponent = characters.dropFirst(mantissa.count)
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else { return false }
        if parts.count == 2, parts[1].isEmpty || !parts[1].allSatisfy(\.isASCIIDigit) { return false }
        guard !exponent.isEmpty else { return true }
        var digits = exponent.dropFirst()
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.allSatisfy(\.isASCIIDigit)
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension Date {
    /// Whole milliseconds since 1970: the precision exchanges use, and a safe way to compare times that
    /// travelled through JSON and PostgreSQL (their Double representations can differ in the last bits).
    public var epochMilliseconds: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded())
    }
}
