import ArgumentParser
import Foundation
import KeelsonPersistence
import KeelsonServiceKit
import PostgresNIO

/// `keelson backup create`: a consistent pg_dump of the whole database and its manifest.
///
/// Consistency: one connection opens a REPEATABLE READ, READ ONLY transaction and exports its snapshot
/// (pg_export_snapshot); the row counts are taken in that transaction and pg_dump is started with
/// `--snapshot`, so the counts and the dump see exactly the same committed data even while the engine trades.
/// The transaction stays open until pg_dump has finished.
///
/// Atomicity: pg_dump writes `.keelson-<time>.dump.partial`; only when it has exited cleanly, been hashed and
/// synced is the manifest written and the dump renamed to `keelson-<time>.dump`. A crash or ctrl-C leaves at most
/// a `.partial` file (which `prune` removes), never a file that looks finished.
struct BackupCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract:
            "pg_dump (custom format) of the whole database into the backup directory, with a manifest: time, schema version, row counts, SHA-256."
    )
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var directory: BackupDirectoryOptions
    @Flag(help: "Copy the backup off-site too (KEELSON_BACKUP_OFFSITE: a bucket or a second directory) and verify the copy.")
    var offsite = false
    @Flag(help: "Print the manifest as JSON (with the dump's path) for scripts.") var json = false

    struct Created: Encodable {
        var path: String
        var manifestPath: String
        var manifest: BackupManifest
        var seconds: Double
        var offsite: OffSiteCopy.Shipped?

        enum CodingKeys: String, CodingKey {
            case path, manifest, seconds, offsite
            case manifestPath = "manifest_path"
        }
    }

    func run() async throws {
        try await reportingErrors {
            let url = try database.resolve()
            let directory = directory.resolve()
            let store = offsite ? try OffSiteSettings.required() : nil
            try directory.createIfMissing()
            let json = json
            var created: Created
            do {
                created = try await Interruption.cancellingOnSignals(
                    interruptedMessage: "interrupted; no backup was written (the partial file was removed)"
                ) {
                    try await Self.create(from: url, into: directory)
                }
            } catch {
                await announceFailure(error)
                throw error
            }
            if let store {
                do {
                    created.offsite = try await Self.ship(created, to: store, database: database)
                } catch {
                    await announceFailure(CLIError("the backup \(created.manifest.dumpFile) is written, but its off-site copy failed: \(error)"))
                    throw CLIError("the backup \(created.path) is written, but its off-site copy failed: \(error)")
                }
            }
            if json {
                try BackupJSON.print(created)
                return
            }
            let manifest = created.manifest
            print("backup \(created.path)")
            print(
                "  \(ByteCount.format(manifest.sizeBytes)) · schema version \(manifest.schemaVersion) · PostgreSQL \(manifest.serverVersion) · \(Elapsed.text(created.seconds))"
            )
            print("  sha256 \(manifest.sha256)")
            print(BackupCounts.render(manifest.tables))
            if let shipped = created.offsite {
                print("✔ copied to \(shipped.destination) and verified (SHA-256 of the copy matches) in \(Elapsed.text(shipped.seconds))")
            }
        }
    }

    /// Copies the backup off-site, verifies the copy, and records where in its `backup_runs` row.
    static func ship(_ created: Created, to store: any OffSiteStore, database: DatabaseOptions) async throws -> OffSiteCopy.Shipped {
        let shipped = try await OffSiteCopy(store: store).ship(dump: URL(fileURLWithPath: created.path), manifest: created.manifest)
        _ = try? await database.withClient { client, _ in
            try await client.withOpenConnection { connection in
                try await connection.query(
                    """
                    UPDATE backup_runs SET offsite = \(store.description), offsite_verified_at = now()
                    WHERE dump_file = \(created.manifest.dumpFile) AND created_at = \(created.manifest.createdAt)
                    """, logger: CLILogger.quiet)
            }
        }
        return shipped
    }

    /// A `backup_failed` notification, when the database still answers (when it does not, the stale-backup alert is
    /// what tells someone).
    func announceFailure(_ error: any Error) async { await Self.announceFailure(error, database: database) }

    static func announceFailure(_ error: any Error, database: DatabaseOptions) async {
        let reason = (error as? CLIError)?.message ?? DatabaseErrorDescription.describe(error)
        _ = try? await database.withClient { client, _ in
            try await PostgresNotificationOutbox(client: client, logger: CLILogger.quiet).enqueue(
                event: "backup_failed", summary: "backup failed: \(reason)", payload: ["reason": reason],
                idempotencyKey: "backup_failed-\(UUID().uuidString)")
        }
    }

    /// The `backup_runs` row the stale-backup alert watches. The backup exists whatever happens here, so a
    /// failure (a database older than migration 6) is a warning, not an error.
    static func record(_ manifest: BackupManifest, seconds: Double, on connection: PostgresConnection) async {
        do {
            try await connection.query(
                """
                INSERT INTO backup_runs (dump_file, created_at, size_bytes, sha256, schema_version, duration_seconds)
                VALUES (\(manifest.dumpFile), \(manifest.createdAt), \(Int64(manifest.sizeBytes)), \(manifest.sha256), \(manifest.schemaVersion), \(seconds))
                """, logger: CLILogger.quiet
            )
        } catch {
            FileHandle.standardError.write(
                Data(
                    "keelson: warning: the backup is written, but recording it in backup_runs failed (\(DatabaseErrorDescription.describe(error))); run `keelson db migrate up`\n"
                        .utf8))
        }
    }

    static func create(from url: DatabaseURL, into directory: BackupDirectory) async throws -> Created {
        let started = ContinuousClock.now
        return try await BackupConnection.with(url) { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: CLILogger.quiet)
            let snapshot = try await connection.query("SELECT pg_export_snapshot()", logger: CLILogger.quiet).collect()[0].decode(String.self)
            let createdAt = Date()
            let inventory = try await DatabaseInventory.take(on: connection)
            let pgDump = try PostgresTools.locate(.pgDump, forServerMajor: inventory.serverMajor)

            let (name, dump) = try availableName(in: directory, at: createdAt)
            let partial = directory.url.appendingPathComponent("." + name + BackupDirectory.partialSuffix)
            // Created owner-only before pg_dump opens it (it keeps the mode): a dump holds every row.
            guard FileManager.default.createFile(atPath: partial.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw CLIError("cannot write in the backup directory \(directory.path); pass --dir with a directory you can write to")
            }
            do {
                let outcome = try await PostgresTools.run(
                    pgDump, ["--format=custom", "--no-password", "--snapshot=\(snapshot)", "--file=\(partial.path)"], database: url
                )
                guard outcome.succeeded else {
                    throw CLIError("pg_dump failed: \(outcome.firstError); no backup was written")
                }
                try syncFile(partial)
                let checksum = try FileChecksum.of(partial)
                let manifest = BackupManifest(
                    format: BackupManifest.currentFormat, dumpFile: name, createdAt: createdAt, database: url.withoutPassword,
                    serverVersion: inventory.serverVersion, schemaVersion: inventory.schemaVersion, tables: inventory.tables,
                    sizeBytes: checksum.size, sha256: checksum.sha256, keelsonVersion: KeelsonVersion.current, pgDumpVersion: pgDump.versionText,
                    configuration: BackupConfiguration.collect()
                )
                // The manifest first, the dump's rename last: a dump under its final name always has its manifest.
                let manifestURL = BackupManifest.url(forDump: dump)
                try manifest.write(to: manifestURL)
                try FileManager.default.moveItem(at: partial, to: dump)
                syncDirectory(directory.url)
                _ = try? await connection.query("COMMIT", logger: CLILogger.quiet)
                let seconds = Elapsed.seconds(since: started)
                await record(manifest, seconds: seconds, on: connection)
                return Created(path: dump.path, manifestPath: manifestURL.path, manifest: manifest, seconds: seconds)
            } catch {
                try? FileManager.default.removeItem(at: partial)
                if let error = error as? CLIError { throw error }
                if error is CancellationError { throw error }
                if error is PSQLError { throw error }
                throw CLIError("writing the backup into \(directory.path) failed: \(BackupDirectory.reason(error)); no backup was written")
            }
        }
    }

    /// `keelson-<second>.dump`, waiting for the next second if a backup of this second already exists.
    static func availableName(in directory: BackupDirectory, at date: Date) throws -> (name: String, url: URL) {
        var date = date
        for _ in 0..<5 {
            let name = BackupDirectory.dumpName(at: date)
            let url = directory.url.appendingPathComponent(name)
            let taken = [url, BackupManifest.url(forDump: url), directory.url.appendingPathComponent("." + name + BackupDirectory.partialSuffix)]
                .contains { FileManager.default.fileExists(atPath: $0.path) }
            if !taken { return (name, url) }
            date = date.addingTimeInterval(1)
        }
        throw CLIError("backups named for this time already exist in \(directory.path); wait a few seconds and run again")
    }

    static func syncFile(_ url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.synchronize()
    }

    static func syncDirectory(_ url: URL) {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}

/// Row counts for people: the trading tables first, then the total of the rest.
enum BackupCounts {
    static func render(_ tables: [String: Int64]) -> String {
        let key = DatabaseInventory.keyTables.map { name in
            (name, tables[name].map { "\($0)" } ?? "(missing)")
        }
        let others = tables.filter { !DatabaseInventory.keyTables.contains($0.key) }
        let rows = key.map { [$0.0, $0.1] } + [["\(others.count) other tables", "\(others.values.reduce(0, +))"]]
        return TableFormatter.render(header: ["TABLE", "ROWS"], rows: rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }
}

/// Wall-clock time of a step, for people ("2.3 s") and for JSON (seconds).
enum Elapsed {
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func text(_ seconds: Double) -> String { String(format: "%.1f s", seconds) }

    static func text(since start: ContinuousClock.Instant) -> String { text(seconds(since: start)) }
}

/// 1.4 MB, 812 kB, 512 B.
enum ByteCount {
    static func format(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
