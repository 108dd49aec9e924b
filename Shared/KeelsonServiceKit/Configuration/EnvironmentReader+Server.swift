import Foundation
import KeelsonFoundation
import KeelsonPersistence
import Logging

/// The reads that need the server libraries: log levels and the database URL.
extension EnvironmentReader {
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

    /// `DATABASE_URL`, else the local cluster `make run` started.
    public func databaseURL(searchingFrom directory: String = FileManager.default.currentDirectoryPath) throws(ConfigurationError) -> DatabaseURL {
        let located: (url: String, source: LocalDatabaseLocator.Source)
        do {
            located = try LocalDatabaseLocator.locate(environment: values, startingAt: directory)
        } catch {
            throw ConfigurationError(
                variable: "DATABASE_URL",
                problem: "not set and no local cluster found; run `make run` to start one, or set DATABASE_URL=\(DatabaseURL.expectedForm)")
        }
        do {
            return try DatabaseURL(parsing: located.url)
        } catch {
            let origin = located.source == .environment ? "" : " (read from \(LocalDatabaseLocator.urlFileName))"
            throw ConfigurationError(
                variable: "DATABASE_URL", problem: "cannot be parsed\(origin): \(error.reason); expected \(DatabaseURL.expectedForm)")
        }
    }
}
