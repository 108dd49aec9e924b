import KeelsonPersistence
import PostgresNIO

/// Ready when PostgreSQL answers through the pool within the time limit and the schema has been migrated.
public struct DatabaseReadinessCheck: ReadinessCheck {
    public let name = "database"
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
            try await withDeadline(timeout) { [client] in
                try await client.query("SELECT 1")
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
