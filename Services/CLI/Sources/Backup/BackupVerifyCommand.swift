import ArgumentParser
import Foundation
import KeelsonPersistence

/// `keelson backup verify FILE`: proves a backup restores. Checks the size and SHA-256 against the manifest, restores
/// into a scratch database on the same server (always dropped afterwards), and compares the schema version and
/// every table's row count with the manifest. ✔/✘ per check; exit 1 on any ✘.
struct BackupVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Check a backup's SHA-256, restore it into a scratch database (dropped afterwards) and compare every table's row count with the manifest. Exits 1 on any ✘."
    )
    @Argument(help: "The .dump file; its manifest (<file>.manifest.json) must be beside it.") var file: String
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        var failed = false
        try await reportingErrors {
            let dump = try BackupFileArgument.existingDump(file)
            let manifest = try BackupManifest.read(forDump: dump)
            do {
                let checksum = try BackupIntegrity.check(dump, against: manifest)
                print("✔ checksum: \(ByteCount.format(checksum.size)), SHA-256 matches the manifest")
            } catch {
                print("✘ checksum")
                throw CLIError("\(error)")
            }
            let url = try database.resolve()
            failed = try await Interruption.cancellingOnSignals(
                interruptedMessage: "interrupted; the scratch database was dropped and nothing else was changed"
            ) {
                try await Self.restoreAndCompare(dump, manifest: manifest, server: url)
            }
        }
        if failed { throw ExitCode(1) }
    }

    /// True when any check failed.
    static func restoreAndCompare(_ dump: URL, manifest: BackupManifest, server: DatabaseURL) async throws -> Bool {
        let serverMajor = try await BackupConnection.with(server) { connection in
            try await DatabaseInventory.take(on: connection).serverMajor
        }
        let pgRestore = try PostgresTools.locate(.pgRestore, forServerMajor: max(serverMajor, manifest.pgDumpMajor))
        let ((failed, scratchName), dropped) = try await ScratchDatabase.with(on: server) { scratch in
            // Named before the restore starts, so an operator knows what to look for if this process is killed.
            print("… restoring into scratch database \(scratch.name) on \(server.host):\(server.port)")
            fflush(nil)
            let started = ContinuousClock.now
            let outcome = try await PostgresTools.run(
                pgRestore,
                [
                    "--no-password", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                    "--dbname=\(PostgresTools.conninfo(database: scratch.name))", dump.path,
                ],
                database: scratch.url
            )
            guard outcome.succeeded else {
                print("✘ restore: \(outcome.firstError)")
                throw CLIError("\(dump.path) does not restore: \(outcome.firstError); use another backup")
            }
            print("✔ restore: every object and row restored (\(Elapsed.text(since: started)))")
            let restored = try await BackupConnection.with(scratch.url) { connection in
                try await DatabaseInventory.take(on: connection)
            }
            let checks = compare(restored, with: manifest)
            for check in checks { print("\(check.passed ? "✔" : "✘") \(check.summary)") }
            let failed = checks.filter { !$0.passed }
            if !failed.isEmpty {
                FileHandle.standardError.write(
                    Data(
                        "keelson: \(failed.count) check\(failed.count == 1 ? "" : "s") failed: the restored data does not match the manifest; do not rely on this backup\n"
                            .utf8))
            }
            return (!failed.isEmpty, scratch.name)
        }
        print("\(dropped ? "✔" : "✘") scratch database \(scratchName) \(dropped ? "dropped" : "NOT dropped")")
        return failed || !dropped
    }

    struct Check {
        var passed: Bool
        var summary: String
    }

    /// The schema version, then every table the manifest or the restored database has.
    static func compare(_ restored: DatabaseInventory, with manifest: BackupManifest) -> [Check] {
        var checks = [
            Check(
                passed: restored.schemaVersion == manifest.schemaVersion,
                summary: restored.schemaVersion == manifest.schemaVersion
                    ? "schema version \(manifest.schemaVersion)"
                    : "schema version \(restored.schemaVersion), manifest says \(manifest.schemaVersion)"
            )
        ]
        for table in Set(manifest.tables.keys).union(restored.tables.keys).sorted() {
            switch (manifest.tables[table], restored.tables[table]) {
            case let (expected?, actual?):
                checks.append(
                    Check(
                        passed: expected == actual,
                        summary: expected == actual ? "\(table): \(actual) rows" : "\(table): \(actual) rows, manifest says \(expected)"))
            case let (expected?, nil):
                checks.append(Check(passed: false, summary: "\(table): missing after the restore, manifest says \(expected) rows"))
            case let (nil, actual?):
                checks.append(Check(passed: false, summary: "\(table): \(actual) rows, not in the manifest"))
            case (nil, nil):
                break
            }
        }
        return checks
    }
}
