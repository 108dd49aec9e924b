import Foundation
import KeelsonPersistence
import Logging
import PostgresNIO

/// What a database holds, as a backup's manifest records it and as verify and restore compare it: the server
/// version, the schema version and the exact row count of every table in the public schema.
struct DatabaseInventory: Sendable, Equatable {
    var serverVersion: String
    var serverMajor: Int
    var schemaVersion: Int
    var tables: [String: Int64]

    /// Reads it on `connection`, inside whatever transaction (and snapshot) the connection is in.
    static func take(on connection: PostgresConnection, logger: Logger = CLILogger.quiet) async throws -> DatabaseInventory {
        let (serverVersion, versionNumber) = try await connection.query(
            "SELECT current_setting('server_version'), current_setting('server_version_num')::int", logger: logger
        ).collect()[0].decode((String, Int).self)
        let hasMigrations = try await connection.query("SELECT to_regclass('public.schema_migrations') IS NOT NULL", logger: logger)
            .collect()[0].decode(Bool.self)
        var schemaVersion = 0
        if hasMigrations {
            schemaVersion = try await connection.query("SELECT coalesce(max(version), 0)::int FROM public.schema_migrations", logger: logger)
                .collect()[0].decode(Int.self)
        }
        var tables: [String: Int64] = [:]
        for name in try await tableNames(on: connection, logger: logger) {
            tables[name] = try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM public.\(quoted(name))"), logger: logger)
                .collect()[0].decode(Int64.self)
        }
        return DatabaseInventory(serverVersion: serverVersion, serverMajor: versionNumber / 10_000, schemaVersion: schemaVersion, tables: tables)
    }

    /// The ordinary and partitioned tables of the public schema, by name.
    static func tableNames(on connection: PostgresConnection, logger: Logger = CLILogger.quiet) async throws -> [String] {
        var names: [String] = []
        let rows = try await connection.query(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname
            """,
            logger: logger
        )
        for try await name in rows.decode(String.self) { names.append(name) }
        return names
    }

    /// A safely quoted SQL identifier.
    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The counts an operator looks at first, in this order, then the rest.
    static let keyTables = ["trades", "orders", "positions", "account_balances"]
}

extension DatabaseURL {
    /// The URL as a manifest records it: no password, ever.
    var withoutPassword: String {
        "postgres://\(username)@\(host):\(port)/\(database)"
    }
}

/// One connection for the duration of `body`, closed on every path (an unclosed PostgresConnection traps).
enum BackupConnection {
    static func with<Result: Sendable>(_ url: DatabaseURL, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let connection: PostgresConnection
        do {
            connection = try await url.connect(logger: CLILogger.quiet)
        } catch {
            throw CLIError(
                "cannot connect to \(url): \(DatabaseErrorDescription.describe(error)); is the database running? (`make run` starts a local one)")
        }
        do {
            let result = try await body(connection)
            await close(connection)
            return result
        } catch {
            await close(connection)
            if let error = error as? CLIError { throw error }
            if error is CancellationError { throw error }
            throw CLIError("database error: \(DatabaseErrorDescription.describe(error))")
        }
    }

    /// Closes outside the caller's task, so an interrupted (cancelled) command still closes its connection.
    static func close(_ connection: PostgresConnection) async {
        await Task.detached { try? await connection.close() }.value
    }
}
