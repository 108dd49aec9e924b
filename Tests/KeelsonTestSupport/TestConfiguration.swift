import KeelsonPersistence
import KeelsonServiceKit

public enum TestConfiguration {
    /// Two valid tokens, as during a rotation; the first is sent.
    public static let tokens = ["test-token-alpha-0123456789abcdef", "test-token-beta-0123456789abcdef"]

    public static func service(_ service: ServiceIdentity, database: DatabaseURL, port: Int = 0) throws -> ServiceConfiguration {
        ServiceConfiguration(
            service: service,
            port: port,
            database: database,
            internalTokens: try InternalTokens(tokens),
            logLevel: .warning
        )
    }

    /// A URL on which nothing listens, for "the database is down" tests.
    public static func unreachableDatabase() -> DatabaseURL {
        DatabaseURL(host: "127.0.0.1", port: FreePort.next(), username: "keelson", password: nil, database: "keelson")
    }
}
