import KeelsonPersistence
import Logging
import PostgresNIO

/// One watchdog acts however many gateways run: each round's actions run inside a transaction holding
/// `pg_try_advisory_xact_lock(EngineLeaderLock.classID, 10)`; a gateway that does not get it leaves the round to the one
/// that did. The lock ends with the transaction, so a gateway that dies mid-round frees it at once.
struct WatchdogLock: Sendable {
    static let objectID: Int32 = 10

    let postgres: PostgresClient
    let logger: Logger

    /// Runs `body` if this gateway holds the lock for the round; false when another holds it or PostgreSQL is out
    /// of reach (then nothing could be recorded either).
    func exclusively(_ body: @escaping @Sendable () async -> Void) async -> Bool {
        do {
            return try await postgres.transaction(logger: logger) { connection in
                var held = false
                let rows = try await connection.query(
                    "SELECT pg_try_advisory_xact_lock(\(EngineLeaderLock.classID), \(Self.objectID))", logger: logger)
                for try await got in rows.decode(Bool.self) { held = got }
                if held { await body() }
                return held
            }
        } catch {
            logger.warning("watchdog: cannot take its lock; not acting this round", metadata: ["error": "\(error)"])
            return false
        }
    }
}
