import ArgumentParser
import Foundation

/// `keelson backup prune --keep-days N`: deletes backups (dump and manifest) taken more than N days ago, and the
/// `.partial` files interrupted creates left behind. The newest backup is never deleted, however old it is.
struct BackupPruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete backups (dump and manifest) older than --keep-days; never the newest one."
    )
    @Option(name: .customLong("keep-days"), help: "Keep backups taken in the last N days (N ≥ 0).") var keepDays: String
    @OptionGroup var directory: BackupDirectoryOptions
    @Flag(name: .customLong("dry-run"), help: "Print what would be deleted and delete nothing.") var dryRun = false
    @Flag(help: "Print JSON for scripts.") var json = false

    struct Pruned: Encodable {
        var directory: String
        var dryRun: Bool
        var cutoff: Date
        var removed: [String]
        var kept: [String]

        enum CodingKeys: String, CodingKey {
            case directory, cutoff, removed, kept
            case dryRun = "dry_run"
        }
    }

    func run() async throws {
        try await reportingErrors {
            guard let days = Int(keepDays), days >= 0, days <= 36_500 else {
                throw CLIError(
                    "--keep-days '\(keepDays)' is not a number of days; give a whole number from 0 to 36500, e.g. --keep-days 30", exitCode: 2)
            }
            let directory = directory.resolve()
            try directory.requireExisting()
            let now = Date()
            let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
            let entries = try directory.entries()
            let newest = entries.filter(\.dumpExists).last?.name ?? entries.last?.name
            var removed: [String] = []
            var kept: [String] = []
            for entry in entries {
                guard entry.createdAt < cutoff, entry.name != newest else {
                    kept.append(entry.name)
                    continue
                }
                let files = [entry.dump, BackupManifest.url(forDump: entry.dump)].filter { FileManager.default.fileExists(atPath: $0.path) }
                if !dryRun {
                    for file in files {
                        do {
                            try FileManager.default.removeItem(at: file)
                        } catch {
                            throw CLIError("cannot delete \(file.path): \(BackupDirectory.reason(error)); nothing after it was deleted")
                        }
                    }
                }
                removed += files.map(\.lastPathComponent)
            }
            // Left by a create that was killed; a day's grace so a create still running is never touched.
            for partial in directory.partialFiles() where partial.modified < min(cutoff, now.addingTimeInterval(-86_400)) {
                if !dryRun { try? FileManager.default.removeItem(at: partial.url) }
                removed.append(partial.url.lastPathComponent)
            }
            if json {
                try BackupJSON.print(Pruned(directory: directory.path, dryRun: dryRun, cutoff: cutoff, removed: removed, kept: kept))
                return
            }
            let verb = dryRun ? "would remove" : "removed"
            for name in removed { print("\(verb) \(name)") }
            let newestNote = newest.map { "; the newest, \($0), is always kept" } ?? ""
            print(
                "\(verb) \(removed.count) file\(removed.count == 1 ? "" : "s") older than \(days) day\(days == 1 ? "" : "s"); kept \(kept.count) backup\(kept.count == 1 ? "" : "s")\(newestNote)\(dryRun ? " (dry run: nothing deleted)" : "")"
            )
        }
    }
}
