import Foundation
import KeelsonPersistence
import PostgresNIO

/// A database of its own on the same server, for restoring a backup to check it: `keelson_verify_<time>_<random>`,
/// created empty and dropped afterwards on every path — success, failure, or interruption (the drop runs outside
/// the cancelled task, and WITH (FORCE) ends a pg_restore still connected to it).
struct ScratchDatabase: Sendable {
    static let prefix = "keelson_verify_"

    let server: DatabaseURL
    let name: String

    var url: DatabaseURL { server.withDatabase(name) }

    /// Creates a scratch database on `server`'s PostgreSQL, runs `body` with it and drops it, whatever happened.
    /// `dropped` is false when the drop failed (a warning naming the database was printed).
    static func with<Result: Sendable>(on server: DatabaseURL, _ body: (ScratchDatabase) async throws -> Result) async throws -> (
        result: Result, dropped: Bool
    ) {
        let stamp = Date().formatted(BackupDirectory.nameFormat).replacingOccurrences(of: "-", with: "_")
        let random = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(8)
        let scratch = ScratchDatabase(server: server, name: "\(prefix)\(stamp)_\(random)")
        // Created outside the caller's task too, so an interruption cannot leave it created but unknown to us.
        try await Task.detached { try await scratch.create() }.value
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await body(scratch))
        } catch {
            outcome = .failure(error)
        }
        let dropped = await Task.detached { await scratch.drop() }.value
        return (try outcome.get(), dropped)
    }

    private func create() async throws {
        try await BackupConnection.with(server) { connection in
            do {
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(DatabaseInventory.quoted(name))"), logger: CLILogger.quiet)
            } catch {
                throw CLIError(
                    "cannot create a scratch database on \(server.host):\(server.port) to restore into: \(DatabaseErrorDescription.describe(error)); verify needs the CREATEDB privilege"
                )
            }
        }
    }

    /// Best effort, reported on stderr if it fails: the name says what it is, so it can be dropped by hand.
    private func drop() async -> Bool {
        do {
            _ = try await BackupConnection.with(server) { connection in
                try await connection.query(
                    PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(DatabaseInventory.quoted(name)) WITH (FORCE)"), logger: CLILogger.quiet)
            }
            return true
        } catch {
            FileHandle.standardError.write(
                Data("keelson: warning: the scratch database \(name) could not be dropped (\(error)); drop it by hand: DROP DATABASE \(name)\n".utf8))
            return false
        }
    }
}
