import KeelsonPersistence
import Logging
import PostgresNIO
import ServiceLifecycle

/// Brings the schema up to date at start-up without blocking the HTTP server: while PostgreSQL is
/// unreachable it retries with backoff and `/ready` says why; a history that disagrees with this binary
/// (a tampered checksum, a newer database) stops the process with that error.
public struct MigrationService: Service {
    let runner: MigrationRunner
    let schema: SchemaState
    let logger: Logger

    public init(client: PostgresClient, schema: SchemaState, logger: Logger) {
        self.runner = MigrationRunner(client: client, logger: logger)
        self.schema = schema
        self.logger = logger
    }

    public func run() async throws {
        // Retrying stops at graceful shutdown too: a service asked to stop while its database is down must not wait for it.
        do {
            try await cancelWhenGracefulShutdown { try await migrateWithRetry() }
        } catch is CancellationError {
            return
        }
        try? await gracefulShutdown()
    }

    private func migrateWithRetry() async throws {
        var delay = Duration.milliseconds(250)
        while !Task.isCancelled {
            do {
                try await runner.migrateUp()
                schema.markMigrated(version: runner.latestVersion)
                logger.info("database schema is current", metadata: ["version": "\(runner.latestVersion)"])
                break
            } catch let error as MigrationError {
                schema.markFailed(error.description)
                throw error
            } catch {
                let reason = DatabaseErrorDescription.describe(error)
                schema.markFailed(reason)
                logger.warning("cannot migrate the database yet; retrying", metadata: ["reason": "\(reason)", "retry_in": "\(delay)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(15))
            }
        }
    }
}
