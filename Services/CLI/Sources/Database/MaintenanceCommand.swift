import ArgumentParser
import Foundation
import KeelsonPersistence

struct MaintenanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintenance",
        abstract: "Delete rows past their retention (trades, orders and the audit log never), then VACUUM, REINDEX and report on request."
    )
    @OptionGroup var database: DatabaseOptions
    @Option(
        help: ArgumentHelp(
            "Retention per table, over the defaults \(RetentionPolicy.defaults): TABLE=DAYSd or TABLE=keep, comma-separated "
                + "(default: KEELSON_RETENTION).", valueName: "SPEC"))
    var retention: String?
    @Flag(help: "Count what retention would delete; delete nothing.") var dryRun = false
    @Flag(help: "VACUUM (ANALYZE) every table afterwards.") var vacuum = false
    @Flag(help: "REINDEX every table CONCURRENTLY afterwards.") var reindex = false
    @Flag(help: "Print table sizes and dead rows, and the slowest statements when pg_stat_statements is installed.") var report = false

    func run() async throws {
        try await reportingErrors {
            let policy: RetentionPolicy
            do {
                policy = try RetentionPolicy.parse(retention ?? ProcessInfo.processInfo.environment["KEELSON_RETENTION"] ?? "")
            } catch let error as RetentionPolicy.Invalid {
                throw CLIError("\(retention == nil ? "KEELSON_RETENTION" : "--retention"): \(error.description)", exitCode: 2)
            }
            try await database.withClient { client, _ in
                let maintenance = DatabaseMaintenance(client: client, logger: CLILogger.quiet)
                for outcome in try await maintenance.applyRetention(policy, dryRun: dryRun) {
                    let noun = outcome.table == .accountBalances ? "snapshot" : "row"
                    let what = "\(outcome.rows) \(noun)\(outcome.rows == 1 ? "" : "s") older than \(outcome.days) days"
                    let kept = outcome.table == .accountBalances ? " (the last of each day kept)" : ""
                    print("\(outcome.table.rawValue): \(what)\(kept) \(dryRun ? "would be deleted" : "deleted")")
                }
                let kept = RetentionPolicy.Table.allCases.filter { policy.days[$0] == nil }.map(\.rawValue) + ["trades", "orders", "fills", "audit_log"]
                print("kept: \(kept.joined(separator: ", "))")
                if vacuum { print("vacuumed and analysed \(try await maintenance.vacuum().count) tables") }
                if reindex { print("reindexed \(try await maintenance.reindex().count) tables") }
                if report {
                    let tables = try await maintenance.report()
                    print(
                        TableFormatter.render(
                            header: ["TABLE", "TOTAL", "INDEXES", "LIVE ROWS", "DEAD ROWS"],
                            rows: tables.map {
                                [$0.table, Self.size($0.totalBytes), Self.size($0.indexBytes), String($0.liveRows), String($0.deadRows)]
                            }))
                    if let slowest = try await maintenance.slowestStatements() {
                        for statement in slowest {
                            print("slow: \(String(format: "%.0f", statement.totalMilliseconds)) ms in \(statement.calls) calls: \(statement.query)")
                        }
                    } else {
                        print("slowest statements: install pg_stat_statements to see them")
                    }
                }
            }
        }
    }

    static func size(_ bytes: Int64) -> String {
        ByteCountFormatter.string(fromByteCount: bytes, countStyle: .binary)
    }
}
