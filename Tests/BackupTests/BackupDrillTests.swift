import Foundation
import KeelsonPersistence
import KeelsonTestSupport
import PostgresNIO
import Testing

/// The drill an on-call engineer runs: a paper session traded by the real engine, `backup create`, the database
/// dropped, `backup restore`, and every row of trades, orders, positions and balances back exactly as it was.
@Suite("keelson backup: the restore drill")
struct BackupDrillTests {
    typealias F = BackupFixture

    @Test("create, drop the database, restore: identical rows; verify passes; restore refuses under a trading engine")
    func drill() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await F.withDirectory { directory in
                let dir = ["--dir", directory.path]
                let engine = try await F.tradePaperSession(url)

                // A backup taken while the engine trades; restoring it now is refused (the engine holds its leader lock).
                let live = try await F.keelson(["backup", "create", "--json"] + dir, database: url)
                #expect(live.exitCode == 0, Comment(rawValue: live.stderr))
                let liveDump = try F.createdPath(live)
                let refused = try await F.keelson(["backup", "restore", liveDump, "--yes"], database: url)
                #expect(refused.exitCode == 1)
                #expect(refused.stderr.hasPrefix("keelson: refusing to restore: an engine is trading on"), Comment(rawValue: refused.stderr))
                #expect(refused.stderrLines.count == 1)
                try await engine.stop()

                let before = try await F.snapshot(url)
                #expect(before["trades"]?.count == 3)
                #expect(before["orders"]?.count == 7)
                #expect(before["positions"]?.count == 1)
                #expect((before["account_balances"]?.count ?? 0) >= 7)

                var clock = ContinuousClock.now
                let created = try await F.keelson(["backup", "create"] + dir, database: url)
                let createTime = ContinuousClock.now - clock
                #expect(created.exitCode == 0, Comment(rawValue: created.stderr))
                let path = try #require(created.stdout.split(separator: "\n").first.map { String($0.dropFirst("backup ".count)) })
                #expect(path.hasPrefix(directory.path + "/keelson-") && path.hasSuffix(".dump"))
                #expect(created.stdout.contains("trades            3"), Comment(rawValue: created.stdout))
                #expect(created.stdout.contains("orders            7"))
                #expect(created.stdout.contains("positions         1"))

                let manifest = try F.manifest(of: path)
                let tables = try #require(manifest["tables"] as? [String: Int])
                #expect(tables["trades"] == 3 && tables["orders"] == 7 && tables["positions"] == 1)
                #expect(Set(tables.keys).isSuperset(of: MigrationCatalog.expectedTables))
                #expect(manifest["schema_version"] as? Int == MigrationCatalog.latestVersion)
                #expect((manifest["sha256"] as? String)?.count == 64)
                #expect(manifest["size_bytes"] as? Int == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
                #expect(manifest["database"] as? String == "postgres://\(url.username)@\(url.host):\(url.port)/\(url.database)")
                let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
                #expect(permissions == 0o600)

                clock = ContinuousClock.now
                let verified = try await F.keelson(["backup", "verify", path], database: url)
                let verifyTime = ContinuousClock.now - clock
                #expect(verified.exitCode == 0, Comment(rawValue: verified.stdout + verified.stderr))
                #expect(verified.stdout.contains("✔ checksum"))
                #expect(verified.stdout.contains("✔ trades: 3 rows"))
                #expect(verified.stdout.contains("✔ schema version \(MigrationCatalog.latestVersion)"))
                #expect(!verified.stdout.contains("✘"))
                try await #expect(F.scratchDatabases(named: verified.stdout).isEmpty)

                // The disaster: the database is gone.
                try await F.onServer("DROP DATABASE \"\(url.database)\" WITH (FORCE)")
                clock = ContinuousClock.now
                let restored = try await F.keelson(["backup", "restore", path, "--yes"], database: url)
                let restoreTime = ContinuousClock.now - clock
                #expect(restored.exitCode == 0, Comment(rawValue: restored.stdout + restored.stderr))
                #expect(restored.stdout.contains("created database \(url.database)"))
                #expect(restored.stdout.contains("✔ every table's row count matches the manifest"), Comment(rawValue: restored.stdout))
                let after = try await F.snapshot(url)
                for (table, _) in F.drillTables {
                    #expect(after[table] == before[table], "\(table) differs after the restore")
                }
                print(
                    "backup drill on \(before.values.map(\.count).reduce(0, +)) rows: create \(createTime), verify \(verifyTime), restore \(restoreTime)"
                )

                // The restored database is a healthy Keelson database.
                let dbVerify = try await F.keelson(["db", "verify"], database: url)
                #expect(dbVerify.exitCode == 0, Comment(rawValue: dbVerify.stdout + dbVerify.stderr))

                let listed = try await F.keelson(["backup", "list", "--json"] + dir, database: nil)
                #expect(listed.exitCode == 0, Comment(rawValue: listed.stderr))
                let entries = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
                #expect(entries.count == 2)
                #expect(entries.allSatisfy { $0["checksum"] as? String == "ok" && $0["schema_version"] as? Int == MigrationCatalog.latestVersion })
            }
        }
    }

    @Test("restore over changed data: rows written after the backup and tables it does not have are gone, in one transaction")
    func restoreOverChangedData() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            try await F.withDirectory { directory in
                try await client.query(
                    "INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity) VALUES ('paper', 'active', 10000, 10000)",
                    logger: F.logger)
                let created = try await F.keelson(["backup", "create", "--json", "--dir", directory.path], database: url)
                let path = try F.createdPath(created)
                let before = try await F.snapshot(url)

                try await client.query(
                    "INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity) VALUES ('paper', 'stopped', 5, 5)", logger: F.logger)
                try await client.query("DELETE FROM schema_migrations WHERE version = 1", logger: F.logger)
                // A table the backup does not have, that depends on one it has: pg_restore --clean alone would fail on it.
                try await client.query("CREATE TABLE after_backup (id bigint REFERENCES trading_sessions (id))", logger: F.logger)

                let restored = try await F.keelson(["backup", "restore", path, "--yes"], database: url)
                #expect(restored.exitCode == 0, Comment(rawValue: restored.stdout + restored.stderr))
                #expect(restored.stdout.contains("dropped tables the backup does not have: after_backup"), Comment(rawValue: restored.stdout))
                let after = try await F.snapshot(url)
                for (table, _) in F.drillTables { #expect(after[table] == before[table], "\(table) differs") }
                let extra = try await F.value("SELECT count(*)::int FROM pg_tables WHERE tablename = 'after_backup'", as: Int.self, on: client)
                #expect(extra == 0)
            }
        }
    }

    @Test("a restore that fails part-way is rolled back: the old data stays")
    func failedRestoreChangesNothing() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            try await F.withDirectory { directory in
                let created = try await F.keelson(["backup", "create", "--json", "--dir", directory.path], database: url)
                let path = try F.createdPath(created)
                try await client.query(
                    "INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity) VALUES ('paper', 'active', 777, 777)", logger: F.logger
                )
                let before = try await F.snapshot(url)
                // Another session holds a lock on a table for longer than the restore waits (lock_timeout 30 s is
                // too long for a test; a row lock held in an open transaction blocks DROP TABLE, and cancelling it
                // shows the same path): here the restore is killed by SIGTERM while blocked, so it never commits.
                let blocker = try await url.connect(logger: F.logger)
                try await blocker.query("BEGIN", logger: F.logger)
                try await blocker.query("SELECT * FROM trading_sessions FOR UPDATE", logger: F.logger)
                let restore = try ChildProcess(
                    "keelson", arguments: ["backup", "restore", path, "--yes"], environment: ["DATABASE_URL": url.connectionString])
                // Wait until it is blocked on the lock, inside its transaction.
                let deadline = ContinuousClock.now + .seconds(30)
                var waiting = 0
                while waiting == 0, ContinuousClock.now < deadline, restore.isRunning {
                    try await Task.sleep(for: .milliseconds(50))
                    waiting = try await F.value(
                        "SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", as: Int.self,
                        on: client)
                }
                #expect(waiting > 0, Comment(rawValue: restore.output().stderr))
                restore.signal(SIGINT)
                let ended = try await restore.wait(timeout: .seconds(30))
                try await blocker.query("ROLLBACK", logger: F.logger)
                try await blocker.close()
                #expect(ended.exitCode == 130, Comment(rawValue: ended.stderr))
                #expect(
                    ended.stderr.hasPrefix("keelson: interrupted; the restore was stopped before it committed and rolled back"),
                    Comment(rawValue: ended.stderr))
                let after = try await F.snapshot(url)
                for (table, _) in F.drillTables { #expect(after[table] == before[table], "\(table) changed although the restore did not finish") }
            }
        }
    }

    @Test("restore refuses while a session holds the engine's advisory lock, unless --force")
    func refusesUnderLeaderLock() async throws {
        try await TestDatabase.withMigratedDatabase { url, _ in
            try await F.withDirectory { directory in
                let created = try await F.keelson(["backup", "create", "--json", "--dir", directory.path], database: url)
                let path = try F.createdPath(created)
                for objectID in [1, 2] {
                    let holder = try await url.connect(logger: F.logger)
                    try await holder.query("SELECT pg_advisory_lock(7355, \(Int32(objectID)))", logger: F.logger)
                    let refused = try await F.keelson(["backup", "restore", path, "--yes"], database: url)
                    #expect(refused.exitCode == 1)
                    #expect(refused.stderr.contains("an engine is trading on"), Comment(rawValue: refused.stderr))
                    #expect(refused.stderr.contains("holds the \(objectID == 1 ? "paper" : "live") leader lock"))
                    #expect(refused.stderr.contains("or pass --force"))
                    #expect(refused.stderrLines.count == 1)
                    if objectID == 2 {
                        let forced = try await F.keelson(["backup", "restore", path, "--yes", "--force"], database: url)
                        #expect(forced.exitCode == 0, Comment(rawValue: forced.stdout + forced.stderr))
                        #expect(forced.stderr.contains("warning: --force"))
                    }
                    try await holder.close()
                }
                let allowed = try await F.keelson(["backup", "restore", path, "--yes"], database: url)
                #expect(allowed.exitCode == 0, Comment(rawValue: allowed.stderr))
            }
        }
    }

    @Test("restore without --yes refuses when stdin is not a terminal, and changes nothing")
    func refusesWithoutYes() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            try await F.withDirectory { directory in
                let created = try await F.keelson(["backup", "create", "--json", "--dir", directory.path], database: url)
                let path = try F.createdPath(created)
                try await client.query(
                    "INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity) VALUES ('paper', 'active', 1, 1)", logger: F.logger)
                let refused = try await F.keelson(["backup", "restore", path], database: url)
                #expect(refused.exitCode == 1)
                #expect(
                    refused.stderr
                        == "keelson: refusing to restore without --yes: stdin is not a terminal, so nobody can confirm replacing every table of \(url)\n"
                )
                let sessions = try await F.value("SELECT count(*)::int FROM trading_sessions", as: Int.self, on: client)
                #expect(sessions == 1)
            }
        }
    }
}

extension BackupFixture {
    /// The scratch databases named in verify's output that still exist.
    static func scratchDatabases(named output: String) async throws -> [String] {
        let names = output.split(whereSeparator: { $0 == " " || $0 == "\n" }).filter { $0.hasPrefix("keelson_verify_") }.map(String.init)
        var existing: [String] = []
        for name in names where try await databaseExists(name) { existing.append(name) }
        return existing
    }
}
