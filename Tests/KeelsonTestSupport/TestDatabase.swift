import Foundation
import KeelsonPersistence
import Logging
import NIOPosix
import PostgresNIO

public struct TestSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Real PostgreSQL for tests: each test gets a database of its own, created empty and dropped afterwards,
/// so tests run in parallel and in any order. `make test` provides the server (a throwaway cluster when
/// `DATABASE_URL` is unset).
public enum TestDatabase {
    public static let logger: Logger = {
        var logger = Logger(label: "keelson-tests")
        logger.logLevel = .warning
        return logger
    }()

    public static func serverURL() throws -> DatabaseURL {
        guard let text = ProcessInfo.processInfo.environment["DATABASE_URL"], !text.isEmpty else {
            throw TestSetupError("DATABASE_URL is not set: run the tests with `make test`, which starts a throwaway PostgreSQL")
        }
        return try DatabaseURL(parsing: text)
    }

    /// Creates an empty database, runs `body` with its URL, and drops it whatever happened.
    public static func withFreshDatabase<Result: Sendable>(_ body: (DatabaseURL) async throws -> Result) async throws -> Result {
        let server = try serverURL()
        let name = "keelson_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        do {
            try await admin(server) { try await $0.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(name)\""), logger: logger) }
        } catch {
            throw TestSetupError("creating the test database on \(server) failed: \(String(reflecting: error))")
        }
        do {
            let result = try await body(server.withDatabase(name))
            try await drop(name, on: server)
            return result
        } catch {
            try? await drop(name, on: server)
            throw error
        }
    }

    /// Runs `body` with a running `PostgresClient` for `url`, closing it afterwards.
    public static func withClient<Result: Sendable>(_ url: DatabaseURL, _ body: (PostgresClient) async throws -> Result) async throws -> Result {
        var configuration = url.clientConfiguration(maximumConnections: 4)
        // A test's connections are never closed for idleness: on a loaded machine a test can sit idle past the default
        // minute, and a statement written to a connection the pool is closing is never answered, hanging the test.
        configuration.options.connectionIdleTimeout = .seconds(3_600)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// A fresh database with the full schema applied, and a client on it.
    public static func withMigratedDatabase<Result: Sendable>(_ body: (DatabaseURL, PostgresClient) async throws -> Result) async throws -> Result {
        try await withFreshDatabase { url in
            try await withClient(url) { client in
                do {
                    try await MigrationRunner(client: client, logger: logger).migrateUp()
                } catch {
                    throw TestSetupError("migrating the test database failed: \(String(reflecting: error))")
                }
                return try await body(url, client)
            }
        }
    }

    private static func drop(_ name: String, on server: DatabaseURL) async throws {
        try await admin(server) { try await $0.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)"), logger: logger) }
    }

    private static func admin(_ server: DatabaseURL, _ body: (PostgresConnection) async throws -> Void) async throws {
        let configuration = PostgresConnection.Configuration(
            host: server.host, port: server.port, username: server.username, password: server.password, database: server.database, tls: .disable
        )
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: logger)
        do {
            try await body(connection)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
