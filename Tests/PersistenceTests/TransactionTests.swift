import KeelsonFoundation
import KeelsonPersistence
import KeelsonTestSupport
import PostgresNIO
import Testing

/// `PostgresClient.transaction` when the connection goes away under it: it fails promptly instead of waiting forever
/// on a `ROLLBACK` nobody will answer (what stalled the engine after a database outage, docs/RELIABILITY.md).
@Suite("Transactions when the connection goes away")
struct TransactionTests {
    struct Refused: Error, Equatable {}

    @Test("a body's own error comes back as itself, and nothing it wrote is kept")
    func bodyErrorRollsBack() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            try await client.query("CREATE TABLE scratch (id int)")
            await #expect(throws: Refused.self) {
                try await client.transaction(logger: TestDatabase.logger) { connection in
                    try await connection.query("INSERT INTO scratch VALUES (1)", logger: TestDatabase.logger)
                    throw Refused()
                }
            }
            let count = try await client.query("SELECT count(*)::int FROM scratch").collect().first?.decode(Int.self)
            #expect(count == 0)
        }
    }

    @Test("the server ends the session mid-transaction: the transaction fails at once, the pool serves the next query")
    func sessionEndedMidTransaction() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let client = PostgresClient(configuration: url.clientConfiguration(maximumConnections: 4), backgroundLogger: TestDatabase.logger)
            // Not in a task group: a pool whose connection is still leased by a statement postgres-nio never answers
            // (written as the server closed it) does not finish shutting down, and a group would wait for it for ever.
            // The database is dropped WITH (FORCE) afterwards, which ends whatever is left.
            let running = Task { await client.run() }
            defer { running.cancel() }
            try await client.query("CREATE TABLE scratch (id int)")
            for _ in 0..<5 {
                do {
                    try await withDeadline(.seconds(15)) {
                        try await client.transaction(logger: TestDatabase.logger) { connection in
                            try await connection.query("INSERT INTO scratch VALUES (1)", logger: TestDatabase.logger)
                            _ = try await connection.query("SELECT pg_terminate_backend(pg_backend_pid())", logger: TestDatabase.logger)
                        }
                    }
                    Issue.record("a transaction whose session was ended committed")
                } catch {
                    #expect(!(error is TimeoutError), "the transaction waited on its dead connection")
                    #expect(DatabaseErrorDescription.isConnectionFailure(error), "\(String(reflecting: error))")
                }
            }
            // The next read may be handed a connection the pool has not yet seen close; `read` refuses it, so ask again.
            var count: Int?
            for _ in 0..<50 where count == nil {
                count = try? await withDeadline(.seconds(5)) {
                    try await client.read("SELECT count(*)::int FROM scratch", logger: TestDatabase.logger) { rows in
                        try await rows.collect().first?.decode(Int.self)
                    }
                }
                if count == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(count == 0)
        }
    }

    @Test("on a closed connection nothing is sent: a statement throws DatabaseConnectionClosed, a rollback returns")
    func closedConnection() async throws {
        try await TestDatabase.withMigratedDatabase { url, _ in
            let connection = try await url.connect(logger: TestDatabase.logger)
            try await connection.close()
            await #expect(throws: DatabaseConnectionClosed.self) {
                try await connection.sendUnlessClosed("SELECT 1", logger: TestDatabase.logger)
            }
            try await withDeadline(.seconds(5)) { await connection.rollBack(logger: TestDatabase.logger) }
            // Why the guard exists: postgres-nio writes a query to a closed channel and never answers it. Should a
            // release answer it, this fails, and the guard can go.
            await #expect(throws: TimeoutError.self) {
                _ = try await withDeadline(.seconds(2)) { try await connection.query("SELECT 1", logger: TestDatabase.logger) }
            }
        }
    }

    @Test("a statement outstanding when its connection closes ends with DatabaseConnectionClosed instead of waiting for ever")
    func outstandingStatementEndsWithTheConnection() async throws {
        try await TestDatabase.withMigratedDatabase { url, _ in
            let connection = try await url.connect(logger: TestDatabase.logger)
            let logger = TestDatabase.logger
            // Answered while the connection lives.
            #expect(try await connection.untilClosed { try await connection.query("SELECT 1", logger: logger).collect().count } == 1)
            // Closed under a statement that will never be answered (the postgres-nio behaviour `closedConnection` pins).
            try await connection.close()
            await #expect(throws: DatabaseConnectionClosed.self) {
                _ = try await withDeadline(.seconds(5)) {
                    try await connection.untilClosed { try await connection.query("SELECT 1", logger: logger) }
                }
            }
            // An operation still running when its connection closes: the caller is let go at once.
            let other = try await url.connect(logger: logger)
            let running = Task { try await other.untilClosed { try await Task.sleep(for: .seconds(3600)) } }
            try await Task.sleep(for: .milliseconds(200))
            try await other.close()
            await #expect(throws: DatabaseConnectionClosed.self) { try await withDeadline(.seconds(5)) { try await running.value } }
        }
    }
}
