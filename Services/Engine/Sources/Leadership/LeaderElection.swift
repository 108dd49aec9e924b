import Foundation
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

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
    /// How long one engine operation may hold the turn before the lock is given up: the lock connection can live on
    /// while an operation waits on a query that is never answered, and then nothing trades. Giving the lock up makes
    /// the engine stand by without that operation and lead again from what the database holds.
    var operationLimit: Duration = .seconds(60)

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
                    if let stuck = error as? OperationStuck {
                        logger.warning("gave the leader lock up", metadata: ["error": "\(stuck)"])
                        await engine.standBy(reason: stuck.description)
                    } else {
                        let reason = DatabaseErrorDescription.describe(error)
                        logger.warning("leader lock connection failed", metadata: ["error": "\(reason)"])
                        await engine.standBy(reason: "the leader lock connection failed: \(reason)")
                    }
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
        // Recovery and catch-up run beside the heartbeat, not before it: they are engine operations too, and one of
        // them stuck on storage must not keep the lock with nothing trading.
        let fence = LeaderFence(backendPID: backendPID, backendStartMicroseconds: backendStart)
        let outcome = LeadOutcome()
        let leading = Task { [engine] in
            do {
                try await engine.lead(fence: fence)
                outcome.record(.success(()))
            } catch {
                outcome.record(.failure(error))
            }
        }
        defer { leading.cancel() }
        while true {
            try outcome.recorded?.get()
            try await Task.sleep(for: pollInterval)
            _ = try await ask(connection, "SELECT 1")
            if let age = await engine.runningOperationAge, age > operationLimit { throw OperationStuck(age: age) }
        }
    }
}

/// How taking the lead ended, once it has.
final class LeadOutcome: Sendable {
    private let result = Mutex<Result<Void, any Error>?>(nil)

    func record(_ outcome: Result<Void, any Error>) { result.withLock { $0 = outcome } }

    var recorded: Result<Void, any Error>? { result.withLock { $0 } }
}

struct OperationStuck: Error, CustomStringConvertible {
    var age: Duration
    var description: String {
        "an engine operation has run for \(age.components.seconds) s (a query that is never answered?); giving the lock up to lead again"
    }
}

struct LeaderLockLost: Error, CustomStringConvertible {
    var description: String { "the connection holding the leader lock is closed" }
}
