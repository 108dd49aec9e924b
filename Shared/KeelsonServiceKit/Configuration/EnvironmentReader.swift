import Foundation
import KeelsonPersistence
import Logging

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
            throw ConfigurationError(variable: variable, problem: "'\(text)' is not a port; expected a whole number from 1 to 65535 (0 picks a free port)")
        }
        return port
    }

    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws(ConfigurationError) -> T?
    where T.RawValue == String {
        guard let text = string(name) else { return nil }
        return try Self.parseChoice(text, as: type, variable: name)
    }

    public static func parseChoice<T: RawRepresentable & CaseIterable>(_ text: String, as type: T.Type, variable: String) throws(ConfigurationError) -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text.lowercased()) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: variable, problem: "'\(text)' is not allowed; expected one of: \(allowed)")
        }
        return value
    }

    public func logLevel(_ name: String) throws(ConfigurationError) -> Logger.Level? {
        guard let text = string(name) else { return nil }
        return try Self.parseLogLevel(text, variable: name)
    }

    public static func parseLogLevel(_ text: String, variable: String) throws(ConfigurationError) -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            let allowed = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: variable, problem: "'\(text)' is not a log level; expected one of: \(allowed)")
        }
        return level
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

    /// `DATABASE_URL`, else the local cluster `make run` started.
    public func databaseURL(searchingFrom directory: String = FileManager.default.currentDirectoryPath) throws(ConfigurationError) -> DatabaseURL {
        let located: (url: String, source: LocalDatabaseLocator.Source)
        do {
            located = try LocalDatabaseLocator.locate(environment: values, startingAt: directory)
        } catch {
            throw ConfigurationError(variable: "DATABASE_URL", problem: "not set and no local cluster found; run `make run` to start one, or set DATABASE_URL=\(DatabaseURL.expectedForm)")
        }
        do {
            return try DatabaseURL(parsing: located.url)
        } catch {
            let origin = located.source == .environment ? "" : " (read from \(LocalDatabaseLocator.urlFileName))"
            throw ConfigurationError(variable: "DATABASE_URL", problem: "cannot be parsed\(origin): \(error.reason); expected \(DatabaseURL.expectedForm)")
        }
    }
}
