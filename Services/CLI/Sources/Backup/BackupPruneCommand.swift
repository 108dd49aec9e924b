import ArgumentParser
import Foundation

/// `keelson backup prune --keep-days N [--keep-count K] [--offsite]`: deletes backups (dump and manifest) taken more
/// than N days ago beyond the newest K (1 by default: the newest is never deleted, however old it is), and the
/// `.partial` files interrupted creates left behind; with `--offsite`, the off-site copies by the same rule.
struct BackupPruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete backups (dump and manifest) older than --keep-days beyond the newest --keep-count; --offsite prunes the copies too."
    )
    @Option(name: .customLong("keep-days"), help: "Keep backups taken in the last N days (N ≥ 0).") var keepDays: String
    @Option(name: .customLong("keep-count"), help: "Always keep the newest K backups (K ≥ 1).") var keepCount = 1
    @Flag(help: "Prune the off-site copies (KEELSON_BACKUP_OFFSITE) by the same rule.") var offsite = false
    @OptionGroup var directory: BackupDirectoryOptions
    @Flag(name: .customLong("dry-run"), help: "Print what would be deleted and delete nothing.") var dryRun = false
    @Flag(help: "Print JSON for scripts.") var json = false

    struct Pruned: Encodable {
        var directory: String
        var dryRun: Bool
        var cutoff: Date
        var removed: [String]
        var kept: [String]
        var offsiteRemoved: [String]?

        enum CodingKeys: String, CodingKey {
            case directory, cutoff, removed, kept
            case dryRun = "dry_run"
            case offsiteRemoved = "offsite_removed"
        }
    }

    func run() async throws {
        try await reportingErrors {
            guard let days = Int(keepDays), days >= 0, days <= 36_500 else {
                throw CLIError(
                    "--keep-days '\(keepDays)' is not a number of days; give a whole number from 0 to 36500, e.g. --keep-days 30", exitCode: 2)
            }
            guard (1...10_000).contains(keepCount) else {
                throw CLIError("--keep-count \(keepCount) is not allowed; give a whole number from 1 to 10000", exitCode: 2)
            }
            let store = offsite ? try OffSiteSettings.required() : nil
            let directory = directory.resolve()
            try directory.requireExisting()
            let now = Date()
            let retention = BackupRetention(keepDays: days, keepCount: keepCount)
            let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
            let (removed, kept, newest) = try Self.prune(directory, retention, now: now, dryRun: dryRun)
            var offsiteRemoved: [String]?
            if let store {
                do {
                    offsiteRemoved = try await OffSiteCopy(store: store).prune(retention, now: now, dryRun: dryRun)
                } catch {
                    throw CLIError("the local backups are pruned, but pruning \(store.description) failed: \(error)")
                }
            }
            if json {
                try BackupJSON.print(
                    Pruned(directory: directory.path, dryRun: dryRun, cutoff: cutoff, removed: removed, kept: kept, offsiteRemoved: offsiteRemoved))
                return
            }
            let verb = dryRun ? "would remove" : "removed"
            for name in removed { print("\(verb) \(name)") }
            let newestNote =
                keepCount > 1 ? "; the newest \(keepCount) are always kept" : newest.map { "; the newest, \($0), is always kept" } ?? ""
            print(
                "\(verb) \(removed.count) file\(removed.count == 1 ? "" : "s") older than \(days) day\(days == 1 ? "" : "s"); kept \(kept.count) backup\(kept.count == 1 ? "" : "s")\(newestNote)\(dryRun ? " (dry run: nothing deleted)" : "")"
            )
            if let offsiteRemoved, let store {
                for name in offsiteRemoved { print("\(verb) \(name) from \(store.description)") }
                print("off-site: \(verb) \(offsiteRemoved.count) file\(offsiteRemoved.count == 1 ? "" : "s") by the same rule")
            }
        }
    }

    /// Prunes the backup directory by `retention`; returns the files removed, the backups kept and the newest.
    static func prune(_ directory: BackupDirectory, _ retention: BackupRetention, now: Date, dryRun: Bool) throws(CLIError) -> (
        removed: [String], kept: [String], newest: String?
    ) {
        let cutoff = now.addingTimeInterval(-Double(retention.keepDays) * 86_400)
        let entries = try directory.entries()
        // The newest with its dump counts as kept; a manifest whose dump is gone never protects anything.
        let expired = Set(retention.expired(entries.filter(\.dumpExists).map { ($0.name, $0.createdAt) }, now: now))
        let newest = entries.filter(\.dumpExists).last?.name ?? entries.last?.name
        var removed: [String] = []
        var kept: [String] = []
        for entry in entries {
            guard entry.dumpExists ? expired.contains(entry.name) : entry.createdAt < cutoff && entry.name != newest else {
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
        return (removed, kept, newest)
    }
}
