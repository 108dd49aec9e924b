import Foundation
import KeelsonDomain

// Binance sends decimals as strings and ids and times as JSON numbers, but fixtures written by third parties
// quote the numbers too (EXCHANGES.md): these readers accept both forms.

extension KeyedDecodingContainer {
    /// An integer sent as a JSON number or as a string of digits.
    func decodeFlexibleInt64(forKey key: Key) throws -> Int64 {
        if let value = try? decode(Int64.self, forKey: key) { return value }
        let text = try decode(String.self, forKey: key)
        guard let value = Int64(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "'\(text)' is not an integer")
        }
        return value
    }

    func decodeFlexibleInt64IfPresent(forKey key: Key) throws -> Int64? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeFlexibleInt64(forKey: key)
    }

    func decodeDecimalIfPresent(forKey key: Key) throws -> Decimal? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeDecimalString(forKey: key)
    }

    /// A time in epoch milliseconds.
    func decodeEpochMilliseconds(forKey key: Key) throws -> Date {
        Date(epochMilliseconds: try decodeFlexibleInt64(forKey: key))
    }
}

extension UnkeyedDecodingContainer {
    mutating func decodeFlexibleInt64() throws -> Int64 {
        if let value = try? decode(Int64.self) { return value }
        let text = try decode(String.self)
        guard let value = Int64(text) else {
            throw DecodingError.dataCorruptedError(in: self, debugDescription: "'\(text)' is not an integer")
        }
        return value
    }

    mutating func decodeDecimal() throws -> Decimal {
        if let text = try? decode(String.self) {
            guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), !value.isNaN,
                text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" || $0 == "E" })
            else {
                throw DecodingError.dataCorruptedError(in: self, debugDescription: "'\(text)' is not a decimal number")
            }
            return value
        }
        return try decode(Decimal.self)
    }
}

extension Date {
    init(epochMilliseconds: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(epochMilliseconds) / 1000)
    }
}

extension Decimal {
    /// Plain digits with a dot, never an exponent: how Binance reads decimal parameters.
    var binanceParameter: String {
        var value = self
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 16, .plain)
        return rounded.description
    }
}
