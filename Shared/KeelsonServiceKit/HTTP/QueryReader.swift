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

    public func string(_ name: String) -> String? {
        parameters[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    public func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text = string(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("\(name)=\(text) is not allowed; expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// ISO-8601 (`2024-01-31T09:30:00Z` or `2024-01-31`) or epoch milliseconds.
    public func date(_ name: String) throws(APIError) -> Date? {
        guard let text = string(name) else { return nil }
        if text.allSatisfy(\.isNumber), let milliseconds = Int64(text) {
            return Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
        }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        if text.count == 10, let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return date }
        throw APIError.badRequest("\(name)=\(text) is not a time; expected ISO-8601 (2024-01-31T09:30:00Z) or epoch milliseconds")
    }

    /// A value parsed by a domain parser, whose error message becomes the 400's detail.
    public func parse<Value>(_ name: String, _ parser: (String) throws -> Value) throws(APIError) -> Value? {
        guard let text = string(name) else { return nil }
        do {
            return try parser(text)
        } catch {
            throw APIError.badRequest("\(name): \(error)")
        }
    }
}
