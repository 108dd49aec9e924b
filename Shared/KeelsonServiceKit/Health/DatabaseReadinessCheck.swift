import KeelsonPersistence
import Logging
import PostgresNIO

/// Ready when PostgreSQL answers through the pool within the time limit and the schema has been migrated.
public struct DatabaseReadinessCheck: ReadinessCheck {
    public let name = "database"
    static let logger = Logger(label: "keelson.readiness")
    let client: PostgresClient
    let url: DatabaseURL
    let schema: SchemaState
    let timeout: Duration

    public init(client: PostgresClient, url: DatabaseURL, schema: SchemaState, timeout: Duration = .milliseconds(1500)) {
        self.client = client
        self.url = url
        self.schema = schema
        self.timeout = timeout
    }

    public func failureReason() async -> String? {
        do {
            // `read`, not `query`: a lease checked to be open. Probed every few seconds through an outage, an
            // unchecked query can land on a connection closing under it and wait for ever, holding its connection
            // and then the pool's shutdown.
            try await withDeadline(timeout) { [client] in
                try await client.read("SELECT 1", logger: Self.logger) { rows in
                    for try await _ in rows {}
                }
            }
        } catch is TimeoutError {
            // The pool only says "no connection yet"; one direct connection attempt says why (refused, bad password…).
            do {
                try await DatabaseProbe.check(url, timeout: .seconds(1))
            } catch {
                return error.reason
            }
            return "PostgreSQL did not answer within \(timeout)"
        } catch {
            return DatabaseErrorDescription.describe(error)
        }
        return schema.pendingReason
    }
}
