import Foundation

/// Typed, validated reads of environment variables. Every failure names the variable and the expected form.
public struct EnvironmentReader: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// The value, or nil when unset or blank.
    public func string(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    public func port(_ name: String) throws(ConfigurationError) -> Int? {
        guard let text = string(name) else { return nil }
        return try Self.parsePort(text, variable: name)
    }

    public static func parsePort(_ text: String, variable: String) throws(ConfigurationError) -> Int {
        guard let port = Int(text), (0...65535).contains(port) else {
            throw ConfigurationError(
                variable: variable, problem: "'\(text)' is not a port; expected a whole number from 1 to 65535 (0 picks a free port)")
        }
        return port
    }

    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws(ConfigurationError) -> T?
    where T.RawValue == String {
        guard let text = string(name) else { return nil }
        return try Self.parseChoice(text, as: type, variable: name)
    }

    public static func parseChoice<T: RawRepresentable & CaseIterable>(_ text: String, as type: T.Type, variable: String) throws(ConfigurationError)
        -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text.lowercased()) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: variable, problem: "'\(text)' is not allowed; expected one of: \(allowed)")
        }
        return value
    }

    public func httpURL(_ name: String) throws(ConfigurationError) -> String? {
        guard let text = string(name) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw ConfigurationError(variable: name, problem: "'\(text)' is not a URL; expected http://HOST:PORT")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    public func duration(_ name: String) throws(ConfigurationError) -> Duration? {
        guard let text = string(name) else { return nil }
        guard let milliseconds = Int(text), milliseconds > 0 else {
            throw ConfigurationError(variable: name, problem: "'\(text)' is not a duration; expected a whole number of milliseconds above 0")
        }
        return .milliseconds(milliseconds)
    }

    /// A duration written with its unit (`500ms`, `30s`, `5m`, `1h`; a bare number is seconds), from 100 ms to 24 h.
    public func interval(_ name: String) throws(ConfigurationError) -> Duration? {
        guard let text = string(name) else { return nil }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3_600)]
        let unit = units.first { text.hasSuffix($0.0) && Double(text.dropLast($0.0.count)) != nil }
        let number = Double(unit.map { String(text.dropLast($0.0.count)) } ?? text)
        guard let number, number.isFinite else {
            throw ConfigurationError(variable: name, problem: "'\(text)' is not a duration; expected e.g. 300s, 5m or 1h")
        }
        let seconds = number * (unit?.1 ?? 1)
        guard seconds >= 0.1, seconds <= 86_400 else {
            throw ConfigurationError(variable: name, problem: "'\(text)' is not allowed; expected from 100ms to 24h")
        }
        return .milliseconds(Int64((seconds * 1_000).rounded()))
    }

}
