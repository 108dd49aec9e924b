import KeelsonFoundation
import Logging
import PostgresNIO

extension PostgresClient {
    /// A transaction on one pooled connection. Errors thrown by the body come back as themselves, so callers can
    /// match on their own typed errors.
    ///
    /// Not postgres-nio's `withTransaction`: that sends `ROLLBACK` after any error, and a query written to a
    /// connection that has just closed is dropped by the emptied channel pipeline and never answered — the caller
    /// waits forever (seen when PostgreSQL was stopped or killed under load: the engine stopped trading, services
    /// did not stop on SIGTERM). Here nothing is sent on a closed connection, and the rollback is bounded; the
    /// server rolls back an open transaction itself when its session ends.
    public func transaction<Result: Sendable>(
        logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withOpenConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            let value: Result
            do {
                // The body's statements are written without a check: one written as the connection closes (the
                // database killed mid-transaction) is never answered. The body ends when the connection does.
                value = try await connection.untilClosed { try await body(connection) }
            } catch {
                await connection.rollBack(logger: logger)
                throw error
            }
            try await connection.sendUnlessClosed("COMMIT", logger: logger)
            return value
        }
    }
}

extension PostgresConnection {
    /// Runs `operation`, or throws `DatabaseConnectionClosed` as soon as this connection closes, without waiting for
    /// it: a statement written to a connection as it closes is dropped with the channel's pipeline and never
    /// answered (postgres-nio 1.33), and its caller — a request, a shutdown — would wait for ever. The abandoned
    /// operation stays suspended; its lease goes back to the pool with the caller.
    public func untilClosed<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withWatch(every: .milliseconds(100), stop: { [self] in isClosed ? DatabaseConnectionClosed() : nil }, operation)
    }

    /// How long a `ROLLBACK` may take: it only ends a transaction the server would end anyway with the session.
    static let rollbackLimit = Duration.seconds(5)

    /// Sends a statement without rows, or throws at once if the connection is already closed (see `transaction`).
    public func sendUnlessClosed(_ statement: PostgresQuery, logger: Logger) async throws {
        guard !isClosed else { throw DatabaseConnectionClosed() }
        try await query(statement, logger: logger)
    }

    /// Rolls back the open transaction if the connection is still open, waiting at most `rollbackLimit`.
    public func rollBack(logger: Logger) async {
        guard !isClosed else { return }
        _ = try? await withDeadline(Self.rollbackLimit) { [self] in try await self.query("ROLLBACK", logger: logger) }
    }
}

extension PostgresClient {
    /// `withConnection`, on a connection checked to be open when leased: a connection whose query failed as it
    /// closed goes back to the pool before the pool learns it is closed, and a statement the next caller writes
    /// to it is never answered (see `transaction`).
    public func withOpenConnection<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await withConnection { connection in
            guard !connection.isClosed else { throw DatabaseConnectionClosed() }
            return try await body(connection)
        }
    }

    /// Runs a statement whose rows nobody reads (an `UPDATE`, an `INSERT` without `RETURNING`) on an open connection
    /// (`withOpenConnection`). Prefer it to `query` for the same reason as `read`.
    public func perform(_ statement: PostgresQuery, logger: Logger) async throws {
        try await withOpenConnection { connection in
            _ = try await connection.untilClosed { try await connection.query(statement, logger: logger) }
        }
    }

    /// Runs `query` and hands its rows to `read`, on an open connection (`withOpenConnection`). Prefer it to
    /// `query`, whose lease cannot be checked, wherever a service may be waiting on the answer.
    public func read<Result: Sendable>(
        _ query: PostgresQuery, logger: Logger, _ read: (PostgresRowSequence) async throws -> Result
    ) async throws -> Result {
        try await withOpenConnection { connection in
            try await read(connection.untilClosed { try await connection.query(query, logger: logger) })
        }
    }
}
