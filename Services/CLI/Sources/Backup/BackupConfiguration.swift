import Foundation

/// The configuration a backup carries in its manifest, so a restore on a new machine has what the services were
/// configured with: the files of the configuration directory (`KEELSON_CONFIG_DIR`, else `config/` where the backup
/// runs) and the strategies and engine files the environment names — never a secret. Secrets are listed by name only:
/// the ones to re-create, and whether this environment had each.
struct BackupConfiguration: Codable, Sendable, Equatable {
    /// File contents by path as found (UTF-8 text; a file over 1 MiB or not text is listed in `skipped`).
    var files: [String: String]
    var skipped: [String]
    /// Every secret Keelson reads, by variable name, with whether it was set where the backup ran.
    var secretsToRecreate: [String: Bool]

    enum CodingKeys: String, CodingKey {
        case files, skipped
        case secretsToRecreate = "secrets_to_recreate"
    }

    /// The variables whose values are secrets: never in a backup, re-created from where they are kept.
    static let secretVariables = [
        "DATABASE_URL", "POSTGRES_PASSWORD", "KEELSON_INTERNAL_TOKENS", "KEELSON_ADMIN_API_KEY", "KEELSON_BINANCE_API_KEY",
        "KEELSON_BINANCE_API_SECRET", "KEELSON_BINANCE_SECRETS_FILE", "KEELSON_NOTIFY_WEBHOOK_SECRET", "KEELSON_NOTIFY_SLACK_WEBHOOK_URL",
        "KEELSON_NOTIFY_TELEGRAM_BOT_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    ]

    static let maximumFileBytes = 1 << 20

    /// What is found now, from `environment` and the working directory.
    static func collect(environment: [String: String] = ProcessInfo.processInfo.environment) -> BackupConfiguration {
        var paths: [String] = []
        let directory = environment["KEELSON_CONFIG_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "config"
        if let names = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            paths += names.filter { !$0.hasPrefix(".") }.sorted().map { (directory as NSString).appendingPathComponent($0) }
        }
        for variable in ["KEELSON_STRATEGIES_FILE", "KEELSON_ENGINE_CONFIG"] {
            if let path = environment[variable], !path.isEmpty, !paths.contains(path) { paths.append(path) }
        }
        var files: [String: String] = [:]
        var skipped: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            guard let data = FileManager.default.contents(atPath: path), data.count <= maximumFileBytes, let text = String(data: data, encoding: .utf8)
            else {
                skipped.append(path)
                continue
            }
            files[path] = text
        }
        let secrets = Dictionary(uniqueKeysWithValues: secretVariables.map { ($0, !(environment[$0] ?? "").isEmpty) })
        return BackupConfiguration(files: files, skipped: skipped, secretsToRecreate: secrets)
    }

    /// Writes the files under `directory` (their paths made relative), refusing to overwrite one that exists.
    func write(into directory: URL) throws(CLIError) -> [String] {
        var written: [String] = []
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            let relative = path.hasPrefix("/") ? String(path.drop { $0 == "/" }) : path
            guard !relative.split(separator: "/").contains("..") else { continue }
            let target = directory.appendingPathComponent(relative)
            guard !FileManager.default.fileExists(atPath: target.path) else {
                throw CLIError("\(target.path) exists; give --config-to an empty directory so nothing is overwritten", exitCode: 2)
            }
            do {
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: target)
            } catch {
                throw CLIError("cannot write \(target.path): \(BackupDirectory.reason(error))")
            }
            written.append(target.path)
        }
        return written
    }
}
