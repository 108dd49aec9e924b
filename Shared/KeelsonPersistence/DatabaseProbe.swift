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

    public static func check(_ url: DatabaseURL, timeout: Duration = .seconds(5), logger: Logger = Logger(label: "keelson.db-probe")) async throws(Unreachable) {
        do {
            var configuration = PostgresConnection.Configuration(
                host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
                tls: url.tlsMode == .disable ? .disable : .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            )
            configuration.options.connectTimeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
            let connection = try await PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw Unreachable(url: url, reason: DatabaseErrorDescription.describe(error))
        }
    }
}
