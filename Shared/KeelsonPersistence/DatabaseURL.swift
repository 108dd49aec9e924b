import Foundation
import PostgresNIO

/// A parsed `postgres://user:password@host:port/database?sslmode=…` URL.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tlsMode: TLSMode

    public init(host: String, port: Int, username: String, password: String?, database: String, tlsMode: TLSMode = .disable) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tlsMode = tlsMode
    }

    /// The form every error message shows, so users see what a valid value looks like.
    public static let expectedForm = "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]"

    public init(parsing text: String) throws(DatabaseURLError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: trimmed),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme.lowercased())
        else { throw DatabaseURLError(reason: "it must start with postgres://") }
        guard let host = components.host, !host.isEmpty else { throw DatabaseURLError(reason: "it has no host") }
        guard let user = components.user, !user.isEmpty else { throw DatabaseURLError(reason: "it has no user name") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/") else { throw DatabaseURLError(reason: "it has no database name after the host") }
        if let port = components.port, !(1...65535).contains(port) {
            throw DatabaseURLError(reason: "port \(port) is outside 1-65535")
        }
        var tlsMode = TLSMode.disable
        for item in components.queryItems ?? [] where item.name == "sslmode" {
            guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                throw DatabaseURLError(reason: "sslmode must be disable, prefer or require")
            }
            tlsMode = mode
        }
        self.init(
            host: host,
            port: components.port ?? 5432,
            username: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: path.removingPercentEncoding ?? path,
            tlsMode: tlsMode
        )
    }

    /// The same server with another database, for admin work (create/drop) and test isolation.
    public func withDatabase(_ name: String) -> DatabaseURL {
        var copy = self
        copy.database = name
        return copy
    }

    /// The URL with the password masked, safe for logs and error messages.
    public var description: String {
        let credentials = password == nil ? username : "\(username):****"
        return "postgres://\(credentials)@\(host):\(port)/\(database)"
    }

    /// The full URL including the password, for handing to child processes such as pg_dump.
    public var connectionString: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = username
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        if tlsMode != .disable { components.queryItems = [URLQueryItem(name: "sslmode", value: tlsMode.rawValue)] }
        return components.string ?? description
    }

    /// - Parameter applicationName: shown as `application_name` in `pg_stat_activity`, so an operator can tell whose
    ///   connection holds a lock or a transaction open.
    public func clientConfiguration(
        connectTimeout: Duration = .seconds(10), maximumConnections: Int = 20, applicationName: String? = nil
    ) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch tlsMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls
        )
        configuration.options.connectTimeout = connectTimeout
        configuration.options.maximumConnections = maximumConnections
        if let applicationName { configuration.options.additionalStartupParameters.append(("application_name", applicationName)) }
        return configuration
    }
}

public struct DatabaseURLError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "\(reason); expected \(DatabaseURL.expectedForm)" }
}
