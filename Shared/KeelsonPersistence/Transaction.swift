import Logging
import PostgresNIO

extension PostgresClient {
    /// `withTransaction`, but errors thrown by the body come back as themselves rather than wrapped in a
    /// `PostgresTransactionError`, so callers can match on their own typed errors.
    public func transaction<Result: Sendable>(
        logger: Logger,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await withConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
            }
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError { throw closureError }
            throw error
        }
    }
}
