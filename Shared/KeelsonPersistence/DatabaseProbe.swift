import Logging
import NIOPosix
import NIOSSL
import PostgresNIO

/// Opens one connection and closes it, so a tool can say precisely why the database is unreachable
/// (refused, unknown host, bad password, no such database) instead of waiting on a pool.
public enum DatabaseProbe {
    public struct Unreachable: Error, CustomStringConvertible {
        public var url: DatabaseURL
        public var reason: String
        public var description: String { "cannot connect to \(url): \(reason)" }
    }

    public static func check(_ url: DatabaseURL, timeout: Duration = .seconds(5), logger: Logger = Logger(label: "keelson.db-probe"))
        async throws(Unreachable)
    {
        do {
            let connection = try await url.connect(timeout: timeout, logger: logger)
            try await connection.close()
        } catch {
            throw Unreachable(url: url, reason: DatabaseErrorDescription.describe(error))
        }
    }
}

extension DatabaseURL {
    /// One connection outside any pool: for a probe, or for a session-scoped advisory lock that must live
    /// exactly as long as the connection holding it.
    public func connect(timeout: Duration = .seconds(10), logger: Logger) async throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: tlsMode == .disable ? .disable : .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        )
        configuration.options.connectTimeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
        return try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger)
    }
}
