import ArgumentParser
import Foundation
import KeelsonDomain
import KeelsonPersistence
import PostgresNIO

/// `keelson backup restore FILE`: replaces the database's data with a backup's, all or nothing.
///
/// Safety, in order: the dump's SHA-256 must match its manifest; an engine holding its leader lock on the database
/// (it is trading on the data about to be replaced) makes it refuse unless `--force`; it asks on a terminal and
/// refuses without `--yes` when nobody can answer. During the restore it holds the engines' leader locks itself, so
/// no engine can start trading half-way. The restore is ONE transaction (see `PostgresTools.restoreInOneTransaction`):
/// every table of the public schema is dropped — including tables the backup does not have, such as a newer
/// migration's — and the backup's objects and rows are created; any failure or ctrl-C rolls all of it back and
/// the old data stays exactly as it was.
struct BackupRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract:
            "Replace the database's data with a backup, in one transaction (a failure changes nothing). Refuses while an engine trades unless --force."
    )
    @Argument(help: "The .dump file; its manifest (<file>.manifest.json) must be beside it. Or --latest.") var file: String?
    @Flag(help: "The newest backup: in the backup directory, or with --from s3|offsite the newest off-site copy (downloaded there first).")
    var latest = false
    @Option(help: "Where --latest looks: local (the backup directory), offsite or s3 (KEELSON_BACKUP_OFFSITE; s3 insists it is a bucket).")
    var from: Source = .local
    @OptionGroup var directory: BackupDirectoryOptions
    @Option(
        name: .customLong("config-to"),
        help: "Also write the configuration files the backup carries into this directory (never overwriting a file).")
    var configTo: String?
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Restore even while an engine holds its leader lock and trades on this database (stop the engine instead if you can).") var force =
        false
    @Flag(help: "Do not ask for confirmation (required when stdin is not a terminal).") var yes = false
    @Flag(help: "Print the result as JSON for scripts.") var json = false

    struct Restored: Encodable {
        var file: String
        var database: String
        var createdDatabase: Bool
        var droppedTablesNotInBackup: [String]
        var seconds: Double
        var schemaVersion: Int
        var tables: [String: Int64]
        var countsMatchManifest: Bool

        enum CodingKeys: String, CodingKey {
            case file, database, seconds, tables
            case createdDatabase = "created_database"
            case droppedTablesNotInBackup = "dropped_tables_not_in_backup"
            case schemaVersion = "schema_version"
            case countsMatchManifest = "counts_match_manifest"
        }
    }

    enum Source: String, ExpressibleByArgument, CaseIterable { case local, offsite, s3 }

    func validate() throws {
        guard (file == nil) == latest else {
            throw ValidationError(latest ? "give a file or --latest, not both" : "name the .dump file to restore, or pass --latest")
        }
        guard latest || from == .local else { throw ValidationError("--from \(from.rawValue) goes with --latest") }
    }

    /// The dump to restore: the file named, the newest in the backup directory, or the newest off-site copy fetched.
    private func chosenDump() async throws -> URL {
        if let file { return try BackupFileArgument.existingDump(file) }
        let directory = directory.resolve()
        switch from {
        case .local:
            try directory.requireExisting()
            guard let newest = try directory.entries().last(where: { $0.dumpExists && $0.manifest != nil }) else {
                throw CLIError("no backup with its manifest in \(directory.path); `keelson backup list` shows what is there", exitCode: 2)
            }
            return newest.dump
        case .offsite, .s3:
            let store = try OffSiteSettings.required()
            if from == .s3, !(store is S3Store) {
                throw CLIError("--from s3: KEELSON_BACKUP_OFFSITE is \(store.description), not a bucket; use --from offsite", exitCode: 2)
            }
            do {
                let dump = try await OffSiteCopy(store: store).fetchLatest(into: directory)
                if !json { print("✔ fetched \(dump.lastPathComponent) from \(store.description)") }
                return dump
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("fetching the newest backup from \(store.description) failed: \(error)")
            }
        }
    }

    func run() async throws {
        var mismatch = false
        try await reportingErrors {
            let dump = try await chosenDump()
            let manifest = try BackupManifest.read(forDump: dump)
            do {
                _ = try BackupIntegrity.check(dump, against: manifest)
            } catch {
                throw CLIError("refusing to restore: \(error)")
            }
            if !json { print("✔ checksum: SHA-256 matches the manifest") }
            let url = try database.resolve()
            let created = try await Self.createDatabaseIfMissing(url)
            if created, !json { print("created database \(url.database) (it did not exist)") }

            // Before anything changes: who trades here, what would be replaced, and the operator's yes.
            let current = try await BackupConnection.with(url) { connection in
                let holders = try await EngineLeaderLock.holders(on: connection, logger: CLILogger.quiet)
                if let holder = holders.first, !force {
                    throw CLIError(
                        "refusing to restore: an engine is trading on \(url) (backend pid \(holder.pid)\(holder.clientAddress.map { " from \($0)" } ?? "") holds the \(holder.mode) leader lock); stop the engine first (`make stop`, or scale keelson-engine to 0), or pass --force"
                    )
                }
                if !holders.isEmpty, !json {
                    FileHandle.standardError.write(
                        Data(
                            "keelson: warning: --force: an engine holds its leader lock and trades on this database; restart it after the restore so it rebuilds its state\n"
                                .utf8))
                }
                return try await DatabaseInventory.take(on: connection)
            }
            let pgRestore = try PostgresTools.locate(.pgRestore, forServerMajor: max(current.serverMajor, manifest.pgDumpMajor))
            let psql = try PostgresTools.locate(.psql)
            let extra = current.tables.keys.filter { manifest.tables[$0] == nil }.sorted()
            try confirm(dump: dump, manifest: manifest, url: url, current: current, extra: extra)

            let holdEngineLocks = !force
            let restored = try await Interruption.cancellingOnSignals(
                interruptedMessage:
                    "interrupted; the restore was stopped before it committed and rolled back — the database keeps its previous data (check with `keelson db verify`)"
            ) {
                try await Self.restore(dump, manifest: manifest, into: url, pgRestore: pgRestore, psql: psql, holdEngineLocks: holdEngineLocks)
            }
            let result = Restored(
                file: dump.path, database: url.withoutPassword, createdDatabase: created, droppedTablesNotInBackup: restored.dropped,
                seconds: restored.seconds, schemaVersion: restored.after.schemaVersion, tables: restored.after.tables,
                countsMatchManifest: restored.after.tables == manifest.tables
            )
            mismatch = !result.countsMatchManifest
            var configWritten: [String]?
            if let configTo, let configuration = manifest.configuration {
                let target = URL(fileURLWithPath: configTo, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
                configWritten = try configuration.write(into: target.standardizedFileURL)
            }
            if json {
                try BackupJSON.print(result)
                return
            }
            print(
                "✔ restored \(dump.lastPathComponent) into \(url) in \(Elapsed.text(restored.seconds)) (one transaction) · schema version \(restored.after.schemaVersion)"
            )
            if !restored.dropped.isEmpty { print("  dropped tables the backup does not have: \(restored.dropped.joined(separator: ", "))") }
            print(BackupCounts.render(restored.after.tables))
            if mismatch {
                let differing = Set(manifest.tables.keys).union(restored.after.tables.keys).filter {
                    manifest.tables[$0] != restored.after.tables[$0]
                }.sorted()
                print("✘ row counts differ from the manifest: \(differing.joined(separator: ", "))")
                FileHandle.standardError.write(
                    Data(
                        "keelson: after the restore, the row counts of \(differing.joined(separator: ", ")) differ from the manifest; a running service may have written since the restore committed — stop the services and restore again\n"
                            .utf8))
            } else {
                print("✔ every table's row count matches the manifest")
                print("restart the services (`make run`, or roll the deployments) so they rebuild their state from the restored data")
            }
            if let configuration = manifest.configuration {
                if let configWritten, let configTo {
                    print("✔ configuration: \(configWritten.count) file\(configWritten.count == 1 ? "" : "s") written under \(configTo)")
                }
                let secrets = configuration.secretsToRecreate.filter(\.value).map(\.key).sorted()
                print("secrets are not in backups; re-create: \(secrets.isEmpty ? "none were set where the backup ran" : secrets.joined(separator: ", "))")
            } else if configTo != nil {
                print("this backup carries no configuration (made before backups recorded it)")
            }
        }
        if mismatch { throw ExitCode(1) }
    }

    /// Asks on a terminal; without one, `--yes` is the only way to say yes.
    private func confirm(dump: URL, manifest: BackupManifest, url: DatabaseURL, current: DatabaseInventory, extra: [String]) throws(CLIError) {
        if yes { return }
        try Confirmation.requireTerminal(
            "refusing to restore without --yes: stdin is not a terminal, so nobody can confirm replacing every table of \(url)")
        func summary(_ tables: [String: Int64]) -> String {
            ["trades", "orders", "positions"].map { "\(tables[$0].map(String.init) ?? "no") \($0)" }.joined(separator: ", ")
        }
        print(
            "backup   \(dump.lastPathComponent): taken \(manifest.createdAt.formatted(Date.ISO8601FormatStyle())), schema version \(manifest.schemaVersion), \(summary(manifest.tables))"
        )
        print("database \(url): now schema version \(current.schemaVersion), \(summary(current.tables))")
        print(
            "every table of the database is replaced by the backup's\(extra.isEmpty ? "" : "; tables the backup does not have are dropped: \(extra.joined(separator: ", "))")"
        )
        try Confirmation.ask("Restore?", declined: "not confirmed; nothing was changed")
    }

    struct Outcome: Sendable {
        var after: DatabaseInventory
        var dropped: [String]
        var seconds: Double
    }

    static func restore(
        _ dump: URL, manifest: BackupManifest, into url: DatabaseURL, pgRestore: PostgresTools.Executable, psql: PostgresTools.Executable,
        holdEngineLocks: Bool
    ) async throws -> Outcome {
        try await BackupConnection.with(url) { guardConnection in
            if holdEngineLocks {
                // Held on this connection until it closes: an engine that starts now stands by instead of trading on
                // half-restored data (and one that took the lock since the check above makes us stop here).
                for mode in TradingMode.allCases {
                    let taken = try await guardConnection.query(
                        "SELECT pg_try_advisory_lock(\(EngineLeaderLock.classID), \(EngineLeaderLock.objectID(mode: mode)))", logger: CLILogger.quiet
                    ).collect()[0].decode(Bool.self)
                    guard taken else {
                        throw CLIError(
                            "refusing to restore: an engine started trading on \(url) (it took its \(mode.rawValue) leader lock); stop it first, or pass --force"
                        )
                    }
                }
            }
            let tables = try await DatabaseInventory.tableNames(on: guardConnection)
            let dropped = tables.filter { manifest.tables[$0] == nil }
            // Every current table goes first (CASCADE: with whatever depends on it); then the backup's script recreates
            // its own. A service holding a lock on a table for 30 s makes the restore fail cleanly instead of hang.
            var prelude = "SET lock_timeout = '30s';"
            if !tables.isEmpty {
                prelude += "\nDROP TABLE IF EXISTS " + tables.map { "public." + DatabaseInventory.quoted($0) }.joined(separator: ", ") + " CASCADE;"
            }
            let started = ContinuousClock.now
            let (restore, applied) = try await PostgresTools.restoreInOneTransaction(
                pgRestore: pgRestore, psql: psql, dump: dump, prelude: prelude, database: url, restoreOptions: ["--no-owner"]
            )
            guard applied.succeeded else {
                var reason = applied.firstError
                if reason.contains("lock timeout") { reason += " (a service holds a lock on a table; stop the services and retry)" }
                throw CLIError("the restore failed and was rolled back, the database is unchanged: \(reason)")
            }
            guard restore.succeeded else {
                throw CLIError("the restore failed and was rolled back, the database is unchanged: pg_restore: \(restore.firstError)")
            }
            let seconds = Elapsed.seconds(since: started)
            let after = try await DatabaseInventory.take(on: guardConnection)
            return Outcome(after: after, dropped: dropped, seconds: seconds)
        }
    }

    /// A database that was dropped (the drill, or a corrupted one removed by hand) is created empty first. Returns
    /// true when it had to be created.
    static func createDatabaseIfMissing(_ url: DatabaseURL) async throws -> Bool {
        do {
            try await DatabaseProbe.check(url)
            return false
        } catch {
            guard error.reason.contains("3D000") else {
                throw CLIError("\(error.description); is the database running? (`make run` starts a local one)")
            }
        }
        try await BackupConnection.with(url.withDatabase("postgres")) { connection in
            do {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "CREATE DATABASE \(DatabaseInventory.quoted(url.database))"), logger: CLILogger.quiet)
            } catch {
                throw CLIError(
                    "database \(url.database) does not exist and cannot be created: \(DatabaseErrorDescription.describe(error)); create it (createdb \(url.database)) and run the restore again"
                )
            }
        }
        return true
    }
}
