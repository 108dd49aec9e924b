import Foundation

/// The folder of backups: `keelson-<UTC yyyyMMdd-HHmmss>.dump`, each with `<name>.manifest.json` beside it.
/// A dump being written is `.keelson-<…>.dump.partial` (hidden, and never mistaken for a finished backup).
struct BackupDirectory: Sendable {
    let url: URL

    static let prefix = "keelson-"
    static let dumpSuffix = ".dump"
    static let partialSuffix = ".partial"

    var path: String { url.path }

    /// The folder must exist (list, prune).
    func requireExisting() throws(CLIError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CLIError("backup directory \(url.path) does not exist; pass --dir or set KEELSON_BACKUP_DIR to where the backups are", exitCode: 2)
        }
        guard isDirectory.boolValue else {
            throw CLIError("\(url.path) is not a directory; pass --dir with the backup directory", exitCode: 2)
        }
    }

    /// The folder, created (owner-only: dumps hold every row of the database) when it is missing (create).
    func createIfMissing() throws(CLIError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw CLIError("\(url.path) is not a directory; pass --dir with a directory for the backups", exitCode: 2)
            }
            guard FileManager.default.isWritableFile(atPath: url.path) else {
                throw CLIError("backup directory \(url.path) is not writable; pass --dir with a directory you can write to")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CLIError("cannot create the backup directory \(url.path): \(Self.reason(error)); pass --dir with a directory you can write to")
        }
    }

    static let nameFormat: Date.VerbatimFormatStyle = Date.VerbatimFormatStyle(
        format:
            "\(year: .defaultDigits)\(month: .twoDigits)\(day: .twoDigits)-\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased))\(minute: .twoDigits)\(second: .twoDigits)",
        timeZone: TimeZone(identifier: "UTC")!, calendar: Calendar(identifier: .gregorian)
    )

    /// `keelson-20240301-093000.dump` for that UTC second.
    static func dumpName(at date: Date) -> String {
        prefix + date.formatted(nameFormat) + dumpSuffix
    }

    /// The time in a dump's name, or nil when the name is not one `create` makes.
    static func time(inName name: String) -> Date? {
        guard name.hasPrefix(prefix), name.hasSuffix(dumpSuffix) else { return nil }
        let stamp = name.dropFirst(prefix.count).dropLast(dumpSuffix.count)
        guard stamp.count == 15 else { return nil }
        return try? Date(
            String(stamp),
            // A four-digit year: `.defaultDigits` takes every digit it finds, the month's and day's too, and parses nothing.
            strategy: Date.ParseStrategy(
                format:
                    "\(year: .padded(4))\(month: .twoDigits)\(day: .twoDigits)-\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased))\(minute: .twoDigits)\(second: .twoDigits)",
                timeZone: TimeZone(identifier: "UTC")!
            ))
    }

    /// Every backup in the folder, oldest first: dumps with or without a manifest, and manifests whose dump is gone.
    func entries() throws(CLIError) -> [BackupEntry] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path)
        } catch {
            throw CLIError("cannot read the backup directory \(url.path): \(Self.reason(error))")
        }
        var dumps = Set(names.filter { $0.hasPrefix(Self.prefix) && $0.hasSuffix(Self.dumpSuffix) })
        for name in names where name.hasPrefix(Self.prefix) && name.hasSuffix(Self.dumpSuffix + BackupManifest.suffix) {
            dumps.insert(String(name.dropLast(BackupManifest.suffix.count)))
        }
        return dumps.map { BackupEntry(directory: url, name: $0) }.sorted { ($0.createdAt, $0.name) < ($1.createdAt, $1.name) }
    }

    /// Half-written dumps that an interrupted `create` left (`.keelson-….dump.partial`), with their modification times.
    func partialFiles() -> [(url: URL, modified: Date)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasPrefix("." + Self.prefix) && $0.hasSuffix(Self.partialSuffix) }.map { name in
            let file = url.appendingPathComponent(name)
            let modified = (try? FileManager.default.attributesOfItem(atPath: file.path))?[.modificationDate] as? Date
            return (file, modified ?? .distantPast)
        }
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))).lowercased() }
        return nsError.localizedDescription
    }
}

/// One backup as found on disk.
struct BackupEntry: Sendable {
    let dump: URL
    let name: String
    let dumpExists: Bool
    let actualSize: Int64?
    let manifest: BackupManifest?
    let manifestProblem: String?
    let modified: Date?

    init(directory: URL, name: String) {
        self.name = name
        dump = directory.appendingPathComponent(name)
        let attributes = try? FileManager.default.attributesOfItem(atPath: dump.path)
        dumpExists = attributes != nil
        actualSize = (attributes?[.size] as? NSNumber)?.int64Value
        modified = attributes?[.modificationDate] as? Date
        if FileManager.default.fileExists(atPath: BackupManifest.url(forDump: dump).path) {
            do {
                manifest = try BackupManifest.read(forDump: dump)
                manifestProblem = nil
            } catch {
                manifest = nil
                manifestProblem = "unreadable manifest"
            }
        } else {
            manifest = nil
            manifestProblem = "no manifest"
        }
    }

    /// When the backup was taken: the manifest's time, else the time in the name, else the file's.
    var createdAt: Date {
        manifest?.createdAt ?? BackupDirectory.time(inName: name) ?? modified ?? .distantPast
    }

    /// The quick check `list` shows: the dump's size and SHA-256 against the manifest.
    func checksumStatus() -> ChecksumStatus {
        guard dumpExists else { return .missingDump }
        guard let manifest else { return .noManifest(manifestProblem ?? "no manifest") }
        guard let checksum = try? FileChecksum.of(dump) else { return .unreadable }
        if checksum.size != manifest.sizeBytes { return .sizeMismatch(actual: checksum.size, expected: manifest.sizeBytes) }
        return checksum.sha256 == manifest.sha256 ? .matches : .differs
    }

    enum ChecksumStatus: Sendable, Equatable {
        case matches, differs, unreadable, missingDump
        case noManifest(String)
        case sizeMismatch(actual: Int64, expected: Int64)

        var ok: Bool { self == .matches }

        var summary: String {
            switch self {
            case .matches: "✔ ok"
            case .differs: "✘ corrupted (SHA-256 differs)"
            case .unreadable: "✘ unreadable"
            case .missingDump: "✘ dump missing"
            case .noManifest(let problem): "? \(problem)"
            case .sizeMismatch(let actual, let expected): actual < expected ? "✘ truncated" : "✘ size differs (\(actual) ≠ \(expected) bytes)"
            }
        }

        var code: String {
            switch self {
            case .matches: "ok"
            case .differs: "corrupted"
            case .unreadable: "unreadable"
            case .missingDump: "dump_missing"
            case .noManifest: "no_manifest"
            case .sizeMismatch(let actual, let expected): actual < expected ? "truncated" : "size_differs"
            }
        }
    }
}
