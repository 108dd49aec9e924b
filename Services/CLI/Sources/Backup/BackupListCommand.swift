import ArgumentParser
import Foundation

/// `keelson backup list`: every backup in the directory with its time, size, schema version and whether its
/// SHA-256 still matches the manifest (each dump is read in full to check it). Exits 1 when any backup fails that check.
struct BackupListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "The backups in the directory, oldest first: time, size, schema version, and whether the checksum still matches."
    )
    @OptionGroup var directory: BackupDirectoryOptions
    @Flag(help: "List the off-site copies instead (KEELSON_BACKUP_OFFSITE): each backup's time and whether its manifest is there.")
    var offsite = false
    @Flag(help: "Print JSON for scripts.") var json = false

    struct Remote: Encodable {
        var file: String
        var createdAt: Date
        var complete: Bool
        enum CodingKeys: String, CodingKey {
            case file, complete
            case createdAt = "created_at"
        }
    }

    /// The copies off-site: a dump without its manifest is an upload cut short (the next prune leaves it; restore skips it).
    func listOffsite() async throws {
        let store = try OffSiteSettings.required()
        let backups: [Remote]
        do {
            backups = try await OffSiteCopy(store: store).backups().map { Remote(file: $0.name, createdAt: $0.createdAt, complete: $0.complete) }
        } catch {
            throw CLIError("listing \(store.description) failed: \(error)")
        }
        if json { return try BackupJSON.print(backups) }
        guard !backups.isEmpty else { return print("no backups in \(store.description)") }
        print(
            TableFormatter.render(
                header: ["FILE", "CREATED (UTC)", "COPY"],
                rows: backups.map { [$0.file, $0.createdAt.formatted(Date.ISO8601FormatStyle()), $0.complete ? "✔ with manifest" : "✘ no manifest"] }))
        print("(\(backups.count) backup\(backups.count == 1 ? "" : "s") in \(store.description))")
    }

    struct Listed: Encodable {
        var file: String
        var path: String
        var createdAt: Date
        var sizeBytes: Int64?
        var schemaVersion: Int?
        var checksum: String
        var checksumOK: Bool

        enum CodingKeys: String, CodingKey {
            case file, path, checksum
            case createdAt = "created_at"
            case sizeBytes = "size_bytes"
            case schemaVersion = "schema_version"
            case checksumOK = "checksum_ok"
        }
    }

    func run() async throws {
        try await reportingErrors {
            if offsite { return try await listOffsite() }
            let directory = directory.resolve()
            try directory.requireExisting()
            let listed: [(Listed, BackupEntry.ChecksumStatus)] = try directory.entries().map { entry in
                let status = entry.checksumStatus()
                let item = Listed(
                    file: entry.name, path: entry.dump.path, createdAt: entry.createdAt, sizeBytes: entry.actualSize,
                    schemaVersion: entry.manifest?.schemaVersion, checksum: status.code, checksumOK: status.ok
                )
                return (item, status)
            }
            let bad = listed.filter { !$0.1.ok }.count
            if json {
                try BackupJSON.print(listed.map(\.0))
                if bad > 0 { throw ExitCode(1) }
                return
            }
            guard !listed.isEmpty else {
                print("no backups in \(directory.path) (`keelson backup create` makes one)")
                return
            }
            let time = Date.ISO8601FormatStyle()
            print(
                TableFormatter.render(
                    header: ["FILE", "CREATED (UTC)", "SIZE", "SCHEMA", "CHECKSUM"],
                    rows: listed.map { item, status in
                        [
                            item.file, item.createdAt.formatted(time), item.sizeBytes.map(ByteCount.format) ?? "-",
                            item.schemaVersion.map(String.init) ?? "-", status.summary,
                        ]
                    }
                ))
            print("(\(listed.count) backup\(listed.count == 1 ? "" : "s") in \(directory.path)\(bad > 0 ? "; \(bad) failed the check" : ""))")
            if bad > 0 { throw ExitCode(1) }
        }
    }
}
