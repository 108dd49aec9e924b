import Foundation
import KeelsonDomain
import Logging
import PostgresNIO

/// The session advisory lock that makes one engine the trader of an account: `pg_try_advisory_lock(classID,
/// objectID(mode))`, one key per trading mode so a paper engine and a live engine on one database do not block each
/// other. The engine takes it (LeaderElection); tools that must not run under a trading engine — `keelson backup
/// restore` — look for it in pg_locks, or take it themselves to keep an engine from starting to trade.
public enum EngineLeaderLock {
    public static let classID: Int32 = 7355

    public static func objectID(mode: TradingMode) -> Int32 { mode == .live ? 2 : 1 }

    /// A backend holding an engine's leader lock on the current database.
    public struct Holder: Sendable, Equatable {
        public var pid: Int32
        public var mode: String
        public var applicationName: String
        public var clientAddress: String?
        public var since: Date?
    }

    /// Who holds an engine leader lock on the database `connection` is connected to (a two-key advisory lock
    /// shows in pg_locks as classid = key 1, objid = key 2, objsubid = 2).
    public static func holders(on connection: PostgresConnection, logger: Logger) async throws -> [Holder] {
        let rows = try await connection.query(
            """
            SELECT l.pid, l.objid::bigint, coalesce(a.application_name, ''), host(a.client_addr), a.backend_start
            FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid::bigint = \(Int64(classID)) AND l.objid::bigint IN (\(Int64(objectID(mode: .paper))), \(Int64(objectID(mode: .live))))
            ORDER BY l.objid, l.pid
            """,
            logger: logger
        )
        var holders: [Holder] = []
        for try await (pid, objectID, application, address, since) in rows.decode((Int32, Int64, String, String?, Date?).self) {
            holders.append(
                Holder(
                    pid: pid, mode: objectID == Int64(Self.objectID(mode: .live)) ? "live" : "paper", applicationName: application,
                    clientAddress: address, since: since))
        }
        return holders
    }
}
