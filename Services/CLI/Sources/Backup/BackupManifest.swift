import Foundation

/// What `keelson backup create` writes beside each dump (`<dump>.manifest.json`): enough to check the file
/// (size, SHA-256) and what a restore of it must contain (the schema version and every table's row count, counted
/// in the same snapshot pg_dump read).
struct BackupManifest: Codable, Sendable, Equatable {
    /// Bumped if the manifest's meaning changes; readers refuse formats they do not know.
    static let currentFormat = 1
    static let suffix = ".manifest.json"

    var format: Int
    var dumpFile: String
    var createdAt: Date
    /// The source database without its password: postgres://user@host:port/name.
    var database: String
    var serverVersion: String
    var schemaVersion: Int
    /// Exact row counts of every table in the public schema, by name.
    var tables: [String: Int64]
    var sizeBytes: Int64
    var sha256: String
    var keelsonVersion: String
    var pgDumpVersion: String
    /// The configuration files and the names of the secrets to re-create (never their values); absent in backups
    /// made before it was recorded.
    var configuration: BackupConfiguration?

    enum CodingKeys: String, CodingKey {
        case format
        case dumpFile = "dump_file"
        case createdAt = "created_at"
        case database
        case serverVersion = "server_version"
        case schemaVersion = "schema_version"
        case tables
        case sizeBytes = "size_bytes"
        case sha256
        case keelsonVersion = "keelson_version"
        case pgDumpVersion = "pg_dump_version"
        case configuration
    }

    /// The major version of the pg_dump that wrote the dump (pg_restore must be at least as new), 0 if unknown.
    var pgDumpMajor: Int {
        guard let marker = pgDumpVersion.range(of: "(PostgreSQL) ") else { return 0 }
        return Int(pgDumpVersion[marker.upperBound...].prefix { $0.isNumber }) ?? 0
    }

    static func url(forDump dump: URL) -> URL {
        dump.deletingLastPathComponent().appendingPathComponent(dump.lastPathComponent + suffix)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Reads the manifest of `dump`, saying in one sentence what is wrong when it cannot.
    static func read(forDump dump: URL) throws(CLIError) -> BackupManifest {
        let url = url(forDump: dump)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CLIError(
                "\(dump.path) has no manifest (\(url.lastPathComponent) is missing beside it); without it the file cannot be checked — use a backup made by `keelson backup create`"
            )
        }
        let manifest: BackupManifest
        do {
            manifest = try decoder.decode(BackupManifest.self, from: data)
        } catch {
            throw CLIError("\(url.path) is not a valid backup manifest (it may be damaged); use another backup")
        }
        guard manifest.format <= currentFormat else {
            throw CLIError("\(url.path) has manifest format \(manifest.format) but this keelson reads up to \(currentFormat); use a newer keelson")
        }
        return manifest
    }

    /// Writes atomically: a crash leaves the old file or the new one, never half of one.
    func write(to url: URL) throws {
        try Self.encoder.encode(self).write(to: url, options: [.atomic])
    }
}
