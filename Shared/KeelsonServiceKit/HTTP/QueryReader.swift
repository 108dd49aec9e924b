import Foundation
import Hummingbird

/// Typed, validated query parameters: a bad value becomes a 400 whose detail says what is allowed.
public struct QueryReader: Sendable {
    private let parameters: [String: String]

    public init(_ request: Request) {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
        self.parameters = parameters
    }

    /// The value as sent; nil when the parameter is absent. Present but empty (`?status=`) is a 400 rather than
    /// silently "no filter", so a client that lost a value hears about it.
    public func string(_ name: String) throws(APIError) -> String? {
        guard let value = parameters[name] else { return nil }
        guard !value.isEmpty else { throw APIError.badRequest("\(name)= is empty; give it a value or leave \(name) out") }
        return value
    }

    public func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text = try string(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("\(name)=\(text) is not allowed; expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The times a query may name: years 1 to 9999. Beyond them a time cannot be stored or compared in
    /// PostgreSQL's encoding (microseconds since 2000 in 64 bits), so it is refused here rather than trap there.
    static let representable = Date(timeIntervalSince1970: -62_135_596_800)...Date(timeIntervalSince1970: 253_402_300_799.999)

    /// ISO-8601 (`2024-01-31T09:30:00Z` or `2024-01-31`) or epoch milliseconds, between years 1 and 9999.
    public func date(_ name: String) throws(APIError) -> Date? {
        guard let text = try string(name) else { return nil }
        guard let date = Self.parseDate(text) else {
            throw APIError.badRequest("\(name)=\(text) is not a time; expected ISO-8601 (2024-01-31T09:30:00Z) or epoch milliseconds")
        }
        guard Self.representable.contains(date) else {
            throw APIError.badRequest("\(name)=\(text) is outside the years 1 to 9999")
        }
        return date
    }

    static func parseDate(_ text: String) -> Date? {
        if text.allSatisfy(\.isNumber), let milliseconds = Int64(text) {
            return Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
        }
        return rfc3339(text.count == 10 ? text + "T00:00:00Z" : text)
    }

    /// RFC 3339, read by hand: Foundation's ISO-8601 parser refuses offsets other than `Z` and lower-case `t`/`z`,
    /// and rolls February 30 over into March. The fields are checked (a day the month does not have is refused),
    /// read as UTC, and the offset subtracted.
    static func rfc3339(_ text: String) -> Date? {
        guard
            let match = text.wholeMatch(
                of: /(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))/)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(
            year: Int(match.1), month: Int(match.2), day: Int(match.3), hour: Int(match.4), minute: Int(match.5), second: 0)
        guard let month = components.month, (1...12).contains(month), let day = components.day, (1...31).contains(day),
            let hour = components.hour, hour < 24, let minute = components.minute, minute < 60, let second = Int(match.6), second <= 60,
            let start = calendar.date(from: components), calendar.component(.day, from: start) == day
        else { return nil }
        var offset = 0
        if let sign = match.9, let hours = Int(match.10 ?? ""), let minutes = Int(match.11 ?? "") {
            offset = (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
        }
        let fraction = match.7.flatMap { Double("0" + $0) } ?? 0
        return start.addingTimeInterval(TimeInterval(second) + fraction - TimeInterval(offset))
    }

    /// A value parsed by a domain parser, whose error message becomes the 400's detail.
    public func parse<Value>(_ name: String, _ parser: (String) throws -> Value) throws(APIError) -> Value? {
        guard let text = try string(name) else { return nil }
        do {
            return try parser(text)
        } catch {
            throw APIError.badRequest("\(name): \(error)")
        }
    }
}
