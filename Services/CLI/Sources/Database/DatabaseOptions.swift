import ArgumentParser
import Foundation
import KeelsonPersistence
import KeelsonServiceKit
import Logging
import PostgresNIO

/// `--database-url`, else `DATABASE_URL`, else the cluster `make run` started.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (default: DATABASE_URL, else the local cluster of `make run`).")
    var databaseURL: String?

    func resolve() throws -> DatabaseURL {
        var environment = ProcessInfo.processInfo.environment
        if let databaseURL { environment["DATABASE_URL"] = databaseURL }
        do {
            return try EnvironmentReader(environment).databaseURL()
        } catch {
            throw CLIError(error.description)
        }
    }

    /// Connects (saying exactly why not, if it cannot), runs `body` with a client, and closes the pool.
    func withClient<Result: Sendable>(_ body: (PostgresClient, DatabaseURL) async throws -> Result) async throws -> Result {
        let url = try resolve()
        do {
            try await DatabaseProbe.check(url)
        } catch {
            throw CLIError("\(error.description); is the database running? (`make run` starts a local one)")
        }
        let client = PostgresClient(configuration: url.clientConfiguration(maximumConnections: 2), backgroundLogger: CLILogger.quiet)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            do {
                return try await body(client, url)
            } catch let error as CLIError {
                throw error
            } catch let error as MigrationError {
                throw CLIError(error.description)
            } catch {
                throw CLIError("database error: \(DatabaseErrorDescription.describe(error))")
            }
        }
    }
}

enum CLILogger {
    /// Library logs stay quiet on a terminal; the CLI prints what matters itself.
    static let quiet: Logger = {
        var logger = Logger(label: "keelson")
        logger.logLevel = .error
        return logger
    }()
}
