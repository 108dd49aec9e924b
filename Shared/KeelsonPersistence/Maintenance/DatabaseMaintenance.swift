import Foundation
import Logging
import PostgresNIO

/// What keeps the database small and fast: retention (`RetentionPolicy`), VACUUM ANALYZE, REINDEX, and a report of
/// table sizes, dead rows and the slowest statements. Deletes run in batches of `batchSize` rows, each its own
/// transaction, so trading never waits long behind them.
public struct DatabaseMaintenance: Sendable {
    public let client: PostgresClient
    public let logger: Logger
    public var batchSize = 10_000

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Rows past their age, per table, deleted — or only counted with `dryRun`.
    public struct Outcome: Sendable, Equatable {
        public var table: RetentionPolicy.Table
        public var days: Int
        public var rows: Int
    }

    /// The rows each rule selects: older than its cut-off, and for signals only those no order was placed for;
    /// snapshots only those that are not the last of their session's UTC day.
    static func selection(_ table: RetentionPolicy.Table) -> (table: String, condition: String) {
        switch table {
        case .signals:
            ("signals", "created_at < $1 AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.signal_id = signals.id)")
        case .accountBalances:
            (
                "account_balances",
                """
                recorded_at < $1 AND id NOT IN (
                    SELECT DISTINCT ON (session_id, date_trunc('day', recorded_at AT TIME ZONE 'UTC')) id FROM account_balances
                    WHERE recorded_at < $1 ORDER BY session_id, date_trunc('day', recorded_at AT TIME ZONE 'UTC'), recorded_at DESC, id DESC)
                """
            )
        case .riskEvents: ("risk_events", "occurred_at < $1")
        case .orderEvents: ("order_events", "occurred_at < $1")
        case .watchdogEvents: ("watchdog_events", "occurred_at < $1")
        }
    }

    public func applyRetention(_ policy: RetentionPolicy, now: Date = .now, dryRun: Bool = false) async throws -> [Outcome] {
        var outcomes: [Outcome] = []
        for table in RetentionPolicy.Table.allCases.sorted() {
            guard let days = policy.days[table] else { continue }
            let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
            let (name, condition) = Self.selection(table)
            var total = 0
            if dryRun {
                var query = PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(name) WHERE \(condition)")
                query.binds.append(cutoff)
                total = try await client.read(query, logger: logger) { rows in
                    for try await count in rows.decode(Int.self) { return count }
                    return 0
                }
            } else {
                while true {
                    let deleted = try await deleteBatch(table, name: name, condition: condition, cutoff: cutoff)
                    total += deleted
                    if deleted < batchSize { break }
                }
            }
            outcomes.append(Outcome(table: table, days: days, rows: total))
            logger.info("retention", metadata: ["table": "\(name)", "days": "\(days)", "rows": "\(total)", "dry_run": "\(dryRun)"])
        }
        return outcomes
    }

    /// One batch, in one transaction; a signal's engine decision goes with it.
    private func deleteBatch(_ table: RetentionPolicy.Table, name: String, condition: String, cutoff: Date) async throws -> Int {
        let batch = batchSize
        return try await client.transaction(logger: logger) { connection in
            var select = PostgresQuery(unsafeSQL: "SELECT id FROM \(name) WHERE \(condition) ORDER BY id LIMIT \(batch) FOR UPDATE SKIP LOCKED")
            select.binds.append(cutoff)
            var ids: [Int64] = []
            for try await id in try await connection.query(select, logger: logger).decode(Int64.self) { ids.append(id) }
            guard !ids.isEmpty else { return 0 }
            if table == .signals {
                try await connection.query("DELETE FROM engine_signal_log WHERE signal_id = ANY(\(ids))", logger: logger)
            }
            var delete = PostgresQuery(unsafeSQL: "DELETE FROM \(name) WHERE id = ANY($1)")
            delete.binds.append(ids)
            try await connection.query(delete, logger: logger)
            return ids.count
        }
    }

    /// VACUUM (ANALYZE) of every table Keelson owns: space of deleted rows made reusable, planner statistics fresh.
    public func vacuum() async throws -> [String] {
        let tables = try await ownTables()
        for table in tables {
            try await client.withOpenConnection { try await $0.query(PostgresQuery(unsafeSQL: "VACUUM (ANALYZE) \(table)"), logger: logger) }
        }
        return tables
    }

    /// REINDEX of every table Keelson owns, CONCURRENTLY so writers are not blocked.
    public func reindex() async throws -> [String] {
        let tables = try await ownTables()
        for table in tables {
            try await client.withOpenConnection {
                try await $0.query(PostgresQuery(unsafeSQL: "REINDEX TABLE CONCURRENTLY \(table)"), logger: logger)
            }
        }
        return tables
    }

    public struct TableReport: Sendable, Equatable {
        public var table: String
        public var totalBytes: Int64
        public var indexBytes: Int64
        public var liveRows: Int64
        public var deadRows: Int64
    }

    /// Every table, largest first.
    public func report() async throws -> [TableReport] {
        try await client.read(
            """
            SELECT relname::text, pg_total_relation_size(relid), pg_indexes_size(relid), n_live_tup, n_dead_tup
            FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY pg_total_relation_size(relid) DESC, relname
            """, logger: logger
        ) { rows in
            var result: [TableReport] = []
            for try await (table, total, index, live, dead) in rows.decode((String, Int64, Int64, Int64, Int64).self) {
                result.append(TableReport(table: table, totalBytes: total, indexBytes: index, liveRows: live, deadRows: dead))
            }
            return result
        }
    }

    /// The five statements that took longest in total, when `pg_stat_statements` is installed; nil when it is not.
    public func slowestStatements() async throws -> [(query: String, calls: Int64, totalMilliseconds: Double)]? {
        let installed = try await client.read("SELECT count(*)::int FROM pg_extension WHERE extname = 'pg_stat_statements'", logger: logger) {
            rows in
            for try await count in rows.decode(Int.self) { return count > 0 }
            return false
        }
        guard installed else { return nil }
        return try await client.read(
            "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 100), calls, total_exec_time FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 5",
            logger: logger
        ) { rows in
            var result: [(String, Int64, Double)] = []
            for try await row in rows.decode((String, Int64, Double).self) { result.append(row) }
            return result
        }
    }

    private func ownTables() async throws -> [String] {
        try await client.read("SELECT relname::text FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY relname", logger: logger) {
            rows in
            var tables: [String] = []
            for try await table in rows.decode(String.self) { tables.append(table) }
            return tables
        }
    }
}
