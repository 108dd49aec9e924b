import Foundation
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps trying to take the account's advisory lock on a connection of its own; the holder is the leader and
/// trades, every other replica stands by. The lock lives exactly as long as that connection: a leader that
/// dies (kill -9, lost network) releases it and a standby takes over within one poll interval. While leading,
/// the connection is pinged every interval; if it fails, the engine stops trading at once.
struct LeaderElection: Service {
    let database: DatabaseURL
    let mode: TradingMode
    let pollInterval: Duration
    let engine: TradingEngine
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let connection = try await database.connect(logger: logger)
                    // Closed on every path: the lock goes with it, and an unclosed connection traps in deinit.
                    let outcome: Result<Void, any Error>
                    do {
                        try await lead(on: connection)
                        outcome = .success(())
                    } catch {
                        outcome = .failure(error)
                    }
                    _ = try? await withDeadline(answerLimit) { try await connection.close() }
                    try outcome.get()
                } catch is CancellationError {
                    break
                } catch {
                    let reason = DatabaseErrorDescription.describe(error)
                    logger.warning("leader lock connection failed", metadata: ["error": "\(reason)"])
                    await engine.standBy(reason: "the leader lock connection failed: \(reason)")
                }
                try? await Task.sleep(for: pollInterval)
            }
        }
        await engine.standBy(reason: "shutting down", expected: true)
    }

    /// How long the lock connection may take to answer before it counts as lost.
    var answerLimit: Duration { max(pollInterval * 5, .seconds(2)) }

    /// One query on the lock connection, bounded: a connection whose server went away can leave a query hanging,
    /// and neither trading nor shutdown may wait on it.
    private func ask(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> PostgresRow {
        guard !connection.isClosed else { throw LeaderLockLost() }
        let logger = self.logger
        let row = try await withDeadline(answerLimit) {
            var first: PostgresRow?
            for try await row in try await connection.query(query, logger: logger) where first == nil { first = row }
            return first
        }
        guard let row else { throw LeaderLockLost() }
        return row
    }

    private func lead(on connection: PostgresConnection) async throws {
        let (backendPID, backendStart) = try await ask(
            connection, "SELECT pid, (extract(epoch FROM backend_start) * 1000000)::bigint FROM pg_stat_activity WHERE pid = pg_backend_pid()"
        ).decode((Int32, Int64).self)
        let classID = EngineLeaderLock.classID
        let objectID = EngineLeaderLock.objectID(mode: mode)
        var announcedStandby = false
        while true {
            try Task.checkCancellation()
            if try await ask(connection, "SELECT pg_try_advisory_lock(\(classID), \(objectID))").decode(Bool.self) { break }
            if !announcedStandby {
                logger.info("standing by: another engine holds the leader lock")
                announcedStandby = true
            }
            await engine.standBy(reason: "another engine instance holds the leader lock and trades")
            try await Task.sleep(for: pollInterval)
        }
        logger.notice("took the leader lock", metadata: ["backend_pid": "\(backendPID)"])
        try await engine.lead(fence: LeaderFence(backendPID: backendPID, backendStartMicroseconds: backendStart))
        while true {
            try await Task.sleep(for: pollInterval)
            _ = try await ask(connection, "SELECT 1")
        }
    }
}

struct LeaderLockLost: Error, CustomStringConvertible {
    var description: String { "the connection holding the leader lock is closed" }
}
