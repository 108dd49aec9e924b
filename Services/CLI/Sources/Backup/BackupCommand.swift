import ArgumentParser
import Foundation

/// `keelson backup …`: pg_dump backups with a manifest, and the commands that prove they restore.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up the database (pg_dump with a manifest), list, verify, restore and prune backups.",
        subcommands: [
            BackupCreateCommand.self, BackupListCommand.self, BackupVerifyCommand.self, BackupRestoreCommand.self, BackupPruneCommand.self,
            BackupScheduleCommand.self,
        ]
    )
}

/// `--dir`, else `KEELSON_BACKUP_DIR`, else `backups/` under the current directory.
struct BackupDirectoryOptions: ParsableArguments {
    @Option(help: "The backup directory (default: KEELSON_BACKUP_DIR, else backups/ under the current directory).")
    var dir: String?

    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> BackupDirectory {
        let path = dir ?? environment["KEELSON_BACKUP_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "backups"
        return BackupDirectory(
            url: URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL)
    }
}

/// The JSON the `--json` flags print: sorted keys, ISO-8601 times, one document.
enum BackupJSON {
    static func print<Value: Encodable>(_ value: Value) throws {
        Swift.print(String(decoding: try BackupManifest.encoder.encode(value), as: UTF8.self))
    }
}

/// A file named on the command line: it must exist and be a regular file.
enum BackupFileArgument {
    static func existingDump(_ path: String) throws(CLIError) -> URL {
        let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CLIError("\(path): no such file; `keelson backup list` shows the backups there are", exitCode: 2)
        }
        guard !isDirectory.boolValue else {
            throw CLIError("\(path) is a directory; name a .dump file (`keelson backup list --dir \(path)` shows them)", exitCode: 2)
        }
        // A manifest named instead of its dump means the dump beside it.
        if url.lastPathComponent.hasSuffix(BackupManifest.suffix) {
            let dump = url.deletingLastPathComponent().appendingPathComponent(String(url.lastPathComponent.dropLast(BackupManifest.suffix.count)))
            guard FileManager.default.fileExists(atPath: dump.path) else {
                throw CLIError("\(path) is a manifest but its dump \(dump.lastPathComponent) is missing; the backup cannot be used", exitCode: 1)
            }
            return dump
        }
        return url
    }
}
