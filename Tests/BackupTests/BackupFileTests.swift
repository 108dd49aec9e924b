import Foundation
import KeelsonFoundation
import KeelsonPersistence
import KeelsonTestSupport
import PostgresNIO
import Testing

/// Damaged files, listing, pruning, interruption and bad input: one clear line and a non-zero exit, never a
/// crash, a hang or a file that looks finished.
@Suite("keelson backup: files, checks and bad input")
struct BackupFileTests {
    typealias F = BackupFixture

    /// A migrated database with a session and a few candles, backed up into `directory`; returns the dump's path.
    static func backedUp(_ url: DatabaseURL, _ client: PostgresClient, into directory: URL) async throws -> String {
        try await client.query(
            "INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity) VALUES ('paper', 'active', 10000, 10000)", logger: F.logger)
        for bar in 0..<50 { try await F.insertCandle(bar, open: "100", high: "101", low: "99", close: "100", on: client) }
        let created = try await F.keelson(["backup", "create", "--json", "--dir", directory.path], database: url)
        #expect(created.exitCode == 0, Comment(rawValue: created.stderr))
        return try F.createdPath(created)
    }

    /// Copies the dump and its manifest to `name` in the same folder.
    static func copy(_ path: String, to name: String) throws -> String {
        let target = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(name).path
        try FileManager.default.copyItem(atPath: path, toPath: target)
        try FileManager.default.copyItem(atPath: path + ".manifest.json", toPath: target + ".manifest.json")
        return target
    }

    @Test("verify catches a truncated copy and a flipped byte, with one line saying what to do; list marks them")
    func damagedFiles() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            try await F.withDirectory { directory in
                let path = try await Self.backedUp(url, client, into: directory)
                let good = try await F.keelson(["backup", "verify", path], database: url)
                #expect(good.exitCode == 0, Comment(rawValue: good.stdout + good.stderr))
                #expect(good.stdout.contains("✔ candles: 50 rows"))
                #expect(good.stdout.contains("✔ trading_sessions: 1 rows"))

                let truncated = try Self.copy(path, to: "keelson-20200101-000000.dump")
                let size = try FileManager.default.attributesOfItem(atPath: truncated)[.size] as! Int
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: truncated))
                try handle.truncate(atOffset: UInt64(size / 2))
                try handle.close()
                let cut = try await F.keelson(["backup", "verify", truncated], database: url)
                #expect(cut.exitCode == 1)
                #expect(
                    cut.stderr
                        == "keelson: \(truncated) is truncated: \(size / 2) of \(size) bytes (a copy or the backup did not finish); copy it again or use another backup\n"
                )
                #expect(cut.stdout.contains("✘ checksum"))

                let flipped = try Self.copy(path, to: "keelson-20200102-000000.dump")
                var bytes = try Data(contentsOf: URL(fileURLWithPath: flipped))
                bytes[bytes.count / 2] ^= 0x01
                try bytes.write(to: URL(fileURLWithPath: flipped))
                let corrupt = try await F.keelson(["backup", "verify", flipped], database: url)
                #expect(corrupt.exitCode == 1)
                #expect(
                    corrupt.stderr
                        == "keelson: \(flipped) is corrupted: its SHA-256 does not match the manifest (damaged on disk or in transfer); copy it again or use another backup\n"
                )

                // Restore checks the same before touching anything.
                let refused = try await F.keelson(["backup", "restore", flipped, "--yes"], database: url)
                #expect(refused.exitCode == 1)
                #expect(refused.stderr.hasPrefix("keelson: refusing to restore: \(flipped) is corrupted"))
                #expect(refused.stderrLines.count == 1)

                // A dump without its manifest cannot be checked.
                let orphan = directory.appendingPathComponent("keelson-20200103-000000.dump").path
                try FileManager.default.copyItem(atPath: path, toPath: orphan)
                let noManifest = try await F.keelson(["backup", "verify", orphan], database: url)
                #expect(noManifest.exitCode == 1)
                #expect(noManifest.stderr.hasPrefix("keelson: \(orphan) has no manifest"))
                #expect(noManifest.stderrLines.count == 1)

                let listed = try await F.keelson(["backup", "list", "--dir", directory.path], database: nil)
                #expect(listed.exitCode == 1)  // some backups fail the check
                #expect(listed.stdout.contains("✘ truncated"), Comment(rawValue: listed.stdout))
                #expect(listed.stdout.contains("✘ corrupted"))
                #expect(listed.stdout.contains("? no manifest"))
                #expect(listed.stdout.contains("✔ ok"))
                #expect(listed.stdout.contains("(4 backups in \(directory.path); 3 failed the check)"))
            }
        }
    }

    @Test("a dump whose checksum matches but that does not restore fails verify, and the scratch database is dropped")
    func unrestorableDump() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            try await F.withDirectory { directory in
                let path = try await Self.backedUp(url, client, into: directory)
                // Garbage with a manifest that vouches for it: only the restore can tell.
                let garbage = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) })
                try garbage.write(to: URL(fileURLWithPath: path))
                var manifest = try F.manifest(of: path)
                manifest["size_bytes"] = garbage.count
                manifest["sha256"] = try await Self.sha256(path)
                try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: path + ".manifest.json"))
                let result = try await F.keelson(["backup", "verify", path], database: url)
                #expect(result.exitCode == 1)
                #expect(result.stdout.contains("✔ checksum"))
                #expect(result.stdout.contains("✘ restore"))
                #expect(result.stderr.hasPrefix("keelson: \(path) does not restore:"), Comment(rawValue: result.stderr))
                #expect(result.stderrLines.count == 1)
                try await #expect(F.scratchDatabases(named: result.stdout).isEmpty)
            }
        }
    }

    static func sha256(_ path: String) async throws -> String {
        let output = try await ProcessCommand(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["sha256sum", path]).run()
        return String(output.stdout.prefix(64))
    }

    @Test("ctrl-C during verify's restore: exit 130, and the scratch database is dropped")
    func interruptedVerify() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            try await F.withDirectory { directory in
                // Enough rows that the scratch restore takes a second or more even on a fast disk: the interrupt must land
                // while it runs.
                try await client.query(
                    """
                    INSERT INTO candles (exchange, symbol, "interval", open_time, close_time, open, high, low, close, volume, source)
                    SELECT 'replay', 'BTCUSDT', '1m', t, t + interval '1 minute', 100, 101, 99, 100, 1000, 'test'
                    FROM generate_series(timestamptz '2020-01-01', timestamptz '2020-01-01' + interval '1499999 minutes', interval '1 minute') AS t
                    """,
                    logger: F.logger
                )
                let created = try await F.keelson(["backup", "create", "--json", "--dir", directory.path], database: url)
                let path = try F.createdPath(created)
                let verify = try ChildProcess("keelson", arguments: ["backup", "verify", path], environment: ["DATABASE_URL": url.connectionString])
                let deadline = ContinuousClock.now + .seconds(30)
                var scratch: String?
                while scratch == nil, ContinuousClock.now < deadline, verify.isRunning {
                    scratch = verify.output().stdout.split(separator: " ").first { $0.hasPrefix("keelson_verify_") }.map(String.init)
                    try await Task.sleep(for: .milliseconds(20))
                }
                let name = try #require(scratch, Comment(rawValue: verify.output().stdout + verify.output().stderr))
                // The name is printed as the restore starts; a moment later the interrupt handler is certainly in place.
                try await Task.sleep(for: .milliseconds(100))
                verify.signal(SIGINT)
                let ended = try await verify.wait(timeout: .seconds(30))
                #expect(ended.exitCode == 130, Comment(rawValue: ended.stdout + ended.stderr))
                #expect(ended.stderr == "keelson: interrupted; the scratch database was dropped and nothing else was changed\n")
                #expect(try await F.databaseExists(name) == false)
            }
        }
    }

    @Test("prune removes backups older than --keep-days with their manifests, never the newest, and stale partial files")
    func prune() async throws {
        try await F.withDirectory { directory in
            let now = Date()
            func make(daysAgo: Double) throws -> String {
                let date = now.addingTimeInterval(-daysAgo * 86_400)
                let name =
                    "keelson-"
                    + date.formatted(
                        Date.VerbatimFormatStyle(
                            format:
                                "\(year: .defaultDigits)\(month: .twoDigits)\(day: .twoDigits)-\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased))\(minute: .twoDigits)\(second: .twoDigits)",
                            timeZone: TimeZone(identifier: "UTC")!, calendar: Calendar(identifier: .gregorian)
                        )) + ".dump"
                let dump = directory.appendingPathComponent(name)
                try Data("dump".utf8).write(to: dump)
                let manifest: [String: Any] = [
                    "format": 1, "dump_file": name, "created_at": date.formatted(Date.ISO8601FormatStyle()),
                    "database": "postgres://keelson@127.0.0.1:5432/keelson",
                    "server_version": "15", "schema_version": 5, "tables": [String: Int](), "size_bytes": 4,
                    "sha256": "a6e1c4e38e9d8a0f7bd1d6b7b5f02f3c7a7b09d3bd9f0de6b2f1f3e1a2b3c4d5", "keelson_version": "0.1.0",
                    "pg_dump_version": "pg_dump (PostgreSQL) 15.8",
                ]
                try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: dump.path + ".manifest.json"))
                return name
            }
            let old = try [make(daysAgo: 45), make(daysAgo: 31)]
            let recent = try [make(daysAgo: 20), make(daysAgo: 1)]
            let partial = directory.appendingPathComponent(".keelson-20200101-000000.dump.partial")
            try Data("half".utf8).write(to: partial)
            try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-40 * 86_400)], ofItemAtPath: partial.path)

            let dry = try await F.keelson(["backup", "prune", "--keep-days", "30", "--dry-run", "--dir", directory.path], database: nil)
            #expect(dry.exitCode == 0, Comment(rawValue: dry.stderr))
            #expect(dry.stdout.contains("would remove \(old[0])"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).count == 9)

            let pruned = try await F.keelson(["backup", "prune", "--keep-days", "30", "--dir", directory.path], database: nil)
            #expect(pruned.exitCode == 0, Comment(rawValue: pruned.stderr))
            for name in old {
                #expect(pruned.stdout.contains("removed \(name)\n"))
                #expect(pruned.stdout.contains("removed \(name).manifest.json\n"))
            }
            #expect(pruned.stdout.contains("removed .keelson-20200101-000000.dump.partial"))
            let left = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
            #expect(left == Set(recent + recent.map { $0 + ".manifest.json" }))

            // Everything is older than 0 days, but the newest backup stays.
            let all = try await F.keelson(["backup", "prune", "--keep-days", "0", "--json", "--dir", directory.path], database: nil)
            #expect(all.exitCode == 0, Comment(rawValue: all.stderr))
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)) == [recent[1], recent[1] + ".manifest.json"])
            let again = try await F.keelson(["backup", "prune", "--keep-days", "0", "--dir", directory.path], database: nil)
            #expect(again.stdout.contains("removed 0 files"))
            #expect(again.stdout.contains("the newest, \(recent[1]), is always kept"))
        }
    }

    @Test("backup create honours KEELSON_BACKUP_DIR and refuses a missing pg_dump with one line")
    func createOptions() async throws {
        try await TestDatabase.withMigratedDatabase { url, _ in
            try await F.withDirectory { directory in
                let target = directory.appendingPathComponent("nested/backups")
                let created = try await F.keelson(["backup", "create"], database: url, environment: ["KEELSON_BACKUP_DIR": target.path])
                #expect(created.exitCode == 0, Comment(rawValue: created.stderr))
                let names = try FileManager.default.contentsOfDirectory(atPath: target.path)
                #expect(names.filter { $0.hasSuffix(".dump") }.count == 1)
                #expect(names.filter { $0.hasSuffix(".dump.manifest.json") }.count == 1)
                #expect(!names.contains { $0.hasSuffix(".partial") })

                let missing = try await F.keelson(
                    ["backup", "create", "--dir", directory.path], database: url, environment: ["KEELSON_PG_BIN_DIR": "/nonexistent"])
                #expect(missing.exitCode == 1)
                #expect(
                    missing.stderr
                        == "keelson: pg_dump was not found in KEELSON_PG_BIN_DIR (/nonexistent); install the PostgreSQL client tools (apt-get install postgresql-client, or brew install libpq)\n"
                )
                #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["nested"])
            }
        }
    }

    @Test(
        "bad input: one line on stderr and a non-zero exit",
        arguments: [
            (["backup", "verify", "/no/such.dump"], "keelson: /no/such.dump: no such file"),
            (["backup", "restore", "/no/such.dump", "--yes"], "keelson: /no/such.dump: no such file"),
            (["backup", "verify", "/tmp"], "keelson: /tmp is a directory"),
            (["backup", "list", "--dir", "/no/such/dir"], "keelson: backup directory /no/such/dir does not exist"),
            (["backup", "prune", "--keep-days", "30", "--dir", "/no/such/dir"], "keelson: backup directory /no/such/dir does not exist"),
            (["backup", "prune", "--keep-days", "thirty", "--dir", "/tmp"], "keelson: --keep-days 'thirty' is not a number of days"),
            (["backup", "prune", "--keep-days=-1", "--dir", "/tmp"], "keelson: --keep-days '-1' is not a number of days"),
            (["backup", "create", "--dir", "/proc/keelson"], "keelson: cannot create the backup directory /proc/keelson"),
            (
                ["data", "archive", "--older-than", "90x"],
                "keelson: --older-than '90x' is not an age; give a whole number and a unit, e.g. 90d, 12h or 30m"
            ),
            (["data", "archive", "--older-than", "d"], "keelson: --older-than 'd' is not an age"),
            (["data", "archive", "--older-than", "1.5d"], "keelson: --older-than '1.5d' is not an age"),
            (["data", "archive", "--older-than", "0d"], "keelson: --older-than '0d' is out of range"),
            (["data", "archive", "--older-than", "90d", "--batch-size", "0"], "keelson: --batch-size 0 is out of range"),
        ])
    func badInput(arguments: [String], expected: String) async throws {
        let result = try await F.keelson(arguments, database: try TestDatabase.serverURL())
        #expect(result.exitCode != 0)
        #expect(result.stderr.hasPrefix(expected), Comment(rawValue: result.stderr))
        #expect(result.stderrLines.count == 1, Comment(rawValue: result.stderr))
    }

    @Test("an unreachable database is one line for create, verify and restore")
    func unreachableDatabase() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            try await F.withDirectory { directory in
                let path = try await Self.backedUp(url, client, into: directory)
                let down = TestConfiguration.unreachableDatabase()
                for arguments in [
                    ["backup", "create", "--dir", directory.path], ["backup", "verify", path], ["backup", "restore", path, "--yes"],
                    ["data", "archive", "--older-than", "90d"],
                ] {
                    let result = try await F.keelson(arguments, database: down)
                    #expect(result.exitCode == 1, "\(arguments)")
                    #expect(result.stderr.contains("cannot connect to \(down)"), Comment(rawValue: result.stderr))
                    #expect(result.stderrLines.count == 1, Comment(rawValue: result.stderr))
                }
            }
        }
    }
}
