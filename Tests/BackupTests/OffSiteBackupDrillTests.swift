import Foundation
import KeelsonPersistence
import KeelsonTestSupport
import PostgresNIO
import Testing

/// Off-site copies against a real S3-compatible server that checks every request's Signature V4 (moto): a scheduled
/// round ships, verifies and prunes; the database's disk lost, `restore --latest --from s3` brings it back exactly.
@Suite("Off-site backups on an S3-compatible server (moto, signatures checked)")
struct OffSiteBackupDrillTests {
    typealias F = BackupFixture

    static func offsiteList(_ environment: [String: String]) async throws -> [(file: String, complete: Bool)] {
        let listed = try await F.keelson(["backup", "list", "--offsite", "--json"], database: nil, environment: environment)
        #expect(listed.exitCode == 0, Comment(rawValue: listed.stderr))
        let rows = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        return rows.map { ($0["file"] as? String ?? "", $0["complete"] as? Bool ?? false) }
    }

    @Test(
        "scheduled rounds: each backup copied to the bucket and verified, both ends pruned to the newest two; the local disk lost, restore --latest --from s3 brings the changed database back exactly"
    )
    func scheduledShipAndRestore() async throws {
        try await S3TestServer.run { s3 in
            try await TestDatabase.withMigratedDatabase { url, client in
                try await F.withDirectory { root in
                    let local = root.appendingPathComponent("local")
                    let config = root.appendingPathComponent("config")
                    try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
                    try Data(#"{"strategies": []}"#.utf8).write(to: config.appendingPathComponent("strategies.json"))
                    let adminKey = "kk_0123456789ab_" + String(repeating: "7", count: 64)
                    let environment = s3.environment(prefix: "drill").merging([
                        "KEELSON_BACKUP_DIR": local.path, "KEELSON_CONFIG_DIR": config.path, "KEELSON_ADMIN_API_KEY": adminKey,
                    ]) { _, new in new }
                    try await client.query(
                        "INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity) VALUES ('paper', 'active', 10000, 10000)",
                        logger: F.logger)
                    for round in 0..<3 {
                        let run = try await F.keelson(
                            ["backup", "schedule", "--once", "--keep-days", "0", "--keep-count", "2"], database: url, environment: environment)
                        #expect(run.exitCode == 0, Comment(rawValue: run.stdout + run.stderr))
                        #expect(run.stdout.contains("✔ copied to s3://keelson-backups/drill/ at \(s3.endpoint) and verified"), "\(run.stdout)")
                        #expect(run.stdout.contains("pruned \(round == 2 ? 2 : 0) local and \(round == 2 ? 2 : 0) off-site files"), "\(run.stdout)")
                    }
                    let remote = try await Self.offsiteList(environment)
                    #expect(remote.count == 2 && remote.allSatisfy(\.complete), "\(remote)")
                    let localDumps = try FileManager.default.contentsOfDirectory(atPath: local.path).filter { $0.hasSuffix(".dump") }.sorted()
                    #expect(localDumps == remote.map(\.file), "both ends keep the same two")
                    let recorded = try await F.value(
                        "SELECT count(*)::int FROM backup_runs WHERE offsite LIKE 's3://keelson-backups/drill/%' AND offsite_verified_at IS NOT NULL",
                        as: Int.self, on: client)
                    #expect(recorded == 3, "every round recorded its verified copy")
                    let before = try await F.snapshot(url)

                    // The database changes, and the disk with the local backups is lost.
                    try await client.query(
                        "INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity) VALUES ('paper', 'stopped', 5, 5)", logger: F.logger)
                    try await client.query("DELETE FROM schema_migrations WHERE version = 2", logger: F.logger)
                    try FileManager.default.removeItem(at: local)
                    let restoredConfig = root.appendingPathComponent("restored-config")
                    let restored = try await F.keelson(
                        ["backup", "restore", "--latest", "--from", "s3", "--yes", "--config-to", restoredConfig.path], database: url,
                        environment: environment)
                    #expect(restored.exitCode == 0, Comment(rawValue: restored.stdout + restored.stderr))
                    #expect(restored.stdout.contains("✔ fetched \(remote.last?.file ?? "?") from s3://keelson-backups/drill/"), "\(restored.stdout)")
                    #expect(restored.stdout.contains("✔ every table's row count matches the manifest"))
                    // The configuration came back with it; the secrets are named, never stored.
                    #expect(restored.stdout.contains("✔ configuration: 1 file written under \(restoredConfig.path)"), "\(restored.stdout)")
                    let copied = try String(contentsOf: restoredConfig.appendingPathComponent(config.path).appendingPathComponent("strategies.json"), encoding: .utf8)
                    #expect(copied == #"{"strategies": []}"#)
                    #expect(
                        restored.stdout.contains(
                            "secrets are not in backups; re-create: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, DATABASE_URL, KEELSON_ADMIN_API_KEY"),
                        "\(restored.stdout)")
                    let manifests = try FileManager.default.contentsOfDirectory(atPath: local.path).filter { $0.hasSuffix(".manifest.json") }
                    let manifest = try String(contentsOf: local.appendingPathComponent(try #require(manifests.first)), encoding: .utf8)
                    #expect(!manifest.contains(adminKey) && !manifest.contains(s3.secretAccessKey), "no secret value in the manifest")
                    let after = try await F.snapshot(url)
                    for (table, _) in F.drillTables where table != "backup_runs" { #expect(after[table] == before[table], "\(table) differs") }
                }
            }
        }
    }

    @Test("a wrong secret is refused by the bucket: one line naming SignatureDoesNotMatch, the local backup still written; no destination is named clearly")
    func refusedSignature() async throws {
        try await S3TestServer.run { s3 in
            try await TestDatabase.withMigratedDatabase { url, _ in
                try await F.withDirectory { root in
                    var environment = s3.environment(prefix: "bad")
                    environment["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
                    let run = try await F.keelson(
                        ["backup", "create", "--offsite", "--dir", root.path], database: url, environment: environment)
                    #expect(run.exitCode == 1)
                    #expect(run.stderr.hasPrefix("keelson: the backup \(root.path)/keelson-"), "\(run.stderr)")
                    #expect(run.stderr.contains("its off-site copy failed: uploading keelson-"))
                    #expect(run.stderr.contains("the bucket answered SignatureDoesNotMatch"))
                    #expect(run.stderr.split(separator: "\n").count == 1)
                    #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).contains { $0.hasSuffix(".dump") })

                    let unset = try await F.keelson(["backup", "restore", "--latest", "--from", "offsite", "--yes"], database: url)
                    #expect(unset.exitCode == 2)
                    #expect(unset.stderr.hasPrefix("keelson: no off-site destination: set KEELSON_BACKUP_OFFSITE"), "\(unset.stderr)")
                }
            }
        }
    }

    @Test("a second directory as the off-site copy: shipped, verified, listed")
    func secondDirectory() async throws {
        try await TestDatabase.withMigratedDatabase { url, _ in
            try await F.withDirectory { root in
                let environment = ["KEELSON_BACKUP_OFFSITE": root.appendingPathComponent("copy").path, "KEELSON_BACKUP_DIR": root.appendingPathComponent("local").path]
                let run = try await F.keelson(["backup", "create", "--offsite"], database: url, environment: environment)
                #expect(run.exitCode == 0, Comment(rawValue: run.stderr))
                #expect(run.stdout.contains("✔ copied to \(root.appendingPathComponent("copy").path) and verified"))
                let remote = try await Self.offsiteList(environment)
                #expect(remote.count == 1 && remote.first?.complete == true)
            }
        }
    }
}

@Suite("keelson backup schedule: a round at once into an empty directory, then one interval after the newest")
struct BackupScheduleTests {
    typealias F = BackupFixture

    static func waitFor(_ text: String, in process: ChildProcess) async throws -> Bool {
        for _ in 0..<300 {
            if process.output().stdout.contains(text) { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test("backs up at once, then waits an interval; restarted, it does not back up again before the interval is over")
    func scheduleAndRestart() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            try await F.withDirectory { root in
                let environment = [
                    "DATABASE_URL": url.connectionString, "KEELSON_BACKUP_DIR": root.path, "KEELSON_BACKUP_SCHEDULE": "6h",
                    "KEELSON_BACKUP_OFFSITE": root.appendingPathComponent("copy").path,
                ]
                let first = try ChildProcess("keelson", arguments: ["backup", "schedule"], environment: environment)
                #expect(try await Self.waitFor("next backup at", in: first), "\(first.output().stdout) \(first.output().stderr)")
                first.signal(SIGTERM)
                _ = try? await first.wait(timeout: .seconds(10))
                let stdout = first.output().stdout
                #expect(stdout.contains("backups every 6 h into \(root.path), copied to \(root.appendingPathComponent("copy").path)"), "\(stdout)")
                #expect(stdout.contains("✔ copied to"))
                let dumps = { try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".dump") } }
                #expect(try dumps().count == 1)

                let second = try ChildProcess("keelson", arguments: ["backup", "schedule"], environment: environment)
                #expect(try await Self.waitFor("next backup at", in: second))
                second.signal(SIGTERM)
                _ = try? await second.wait(timeout: .seconds(10))
                #expect(!second.output().stdout.contains("backup /"), "no second backup within the interval: \(second.output().stdout)")
                #expect(try dumps().count == 1)
                let recorded = try await F.value("SELECT count(*)::int FROM backup_runs WHERE duration_seconds >= 0", as: Int.self, on: client)
                #expect(recorded == 1)
            }
        }
    }

    @Test("a schedule that cannot be read is one line and exit 2")
    func badSchedule() async throws {
        let run = try await F.keelson(["backup", "schedule", "--every", "weekly"], database: nil, environment: ["KEELSON_BACKUP_DIR": "/tmp"])
        #expect(run.exitCode == 2)
        #expect(run.stderr == "keelson: the backup schedule 'weekly' is not daily, hourly, off or a duration such as 6h or 30m\n")
    }
}
