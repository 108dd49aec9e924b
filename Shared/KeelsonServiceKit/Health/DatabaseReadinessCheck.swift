import KeelsonPersistence
import PostgresNIO

/// Ready when PostgreSQL answers within the time limit and the schema has been migrated.
public struct DatabaseReadinessCheck: ReadinessCheck {
    public let name = "database"
    let client: PostgresClient
    let schema: SchemaState
    let timeout: Duration

    public init(client: PostgresClient, schema: SchemaState, timeout: Duration = .seconds(2)) {
        self.client = client
        self.schema = schema
        self.timeout = timeout
    }

    public func failureReason() async -> String? {
        do {
            try await withTimeout(timeout) { [client] in
                try await client.query("SELECT 1")
            }
        } catch is TimeoutError {
            return "PostgreSQL did not answer within \(timeout)"
        } catch {
            return DatabaseErrorDescription.describe(error)
        }
        return schema.pendingReason
    }
}
