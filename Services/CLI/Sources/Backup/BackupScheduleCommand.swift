import ArgumentParser
import Foundation
import KeelsonPersistence

/// `keelson backup schedule`: backups on a schedule, for every way of running Keelson — make run starts it under its
/// supervisor, docker compose runs it as the `backup` service, Kubernetes runs `--once` from a CronJob. Each round
/// creates a backup, copies it off-site and verifies the copy when `KEELSON_BACKUP_OFFSITE` is set, and prunes both
/// ends by the same retention. The next round is due one interval after the newest backup in the directory, so a
/// restart neither skips a day nor backs up twice.
struct BackupScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract:
            "Back up on a schedule (KEELSON_BACKUP_SCHEDULE: daily, hourly, 6h, off): create, copy off-site and verify, prune both ends; --once for a CronJob."
    )
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var directory: BackupDirectoryOptions
    @Option(help: "How often: daily, hourly, off, or a duration such as 6h or 30m (default: KEELSON_BACKUP_SCHEDULE, else daily).")
    var every: String?
    @Option(name: .customLong("keep-days"), help: "Keep backups of the last N days (default: KEELSON_BACKUP_KEEP_DAYS, else 14).") var keepDays: Int?
    @Option(name: .customLong("keep-count"), help: "Always keep the newest K (default: KEELSON_BACKUP_KEEP_COUNT, else 7).") var keepCount: Int?
    @Flag(help: "One round now, then exit (a Kubernetes CronJob).") var once = false

    /// nil: off.
    static func interval(_ text: String) throws(CLIError) -> TimeInterval? {
        switch text.lowercased() {
        case "off": return nil
        case "daily": return 86_400
        case "hourly": return 3_600
        default:
            let units: [(String, TimeInterval)] = [("m", 60), ("h", 3_600), ("d", 86_400)]
            guard let unit = units.first(where: { text.hasSuffix($0.0) }), let number = Double(text.dropLast(unit.0.count)), number > 0 else {
                throw CLIError("the backup schedule '\(text)' is not daily, hourly, off or a duration such as 6h or 30m", exitCode: 2)
            }
            let seconds = number * unit.1
            guard seconds >= 60 else { throw CLIError("the backup schedule '\(text)' is shorter than a minute; give at least 1m", exitCode: 2) }
            return seconds
        }
    }

    func settings(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(CLIError) -> (TimeInterval?, BackupRetention) {
        let interval = try Self.interval(every ?? environment["KEELSON_BACKUP_SCHEDULE"].flatMap { $0.isEmpty ? nil : $0 } ?? "daily")
        func number(_ value: Int?, _ variable: String, _ fallback: Int, _ range: ClosedRange<Int>) throws(CLIError) -> Int {
            if let value {
                guard range.contains(value) else { throw CLIError("\(value) is not allowed for \(variable); expected \(range.lowerBound)–\(range.upperBound)", exitCode: 2) }
                return value
            }
            guard let text = environment[variable], !text.isEmpty else { return fallback }
            guard let parsed = Int(text), range.contains(parsed) else {
                throw CLIError("\(variable)='\(text)' is not allowed; expected a whole number from \(range.lowerBound) to \(range.upperBound)", exitCode: 2)
            }
            return parsed
        }
        let retention = BackupRetention(
            keepDays: try number(keepDays, "KEELSON_BACKUP_KEEP_DAYS", 14, 0...36_500),
            keepCount: try number(keepCount, "KEELSON_BACKUP_KEEP_COUNT", 7, 1...10_000))
        return (interval, retention)
    }

    func run() async throws {
        try await reportingErrors {
            let (interval, retention) = try settings()
            let store = try OffSiteSettings.store()
            let url = try database.resolve()
            let directory = directory.resolve()
            try directory.createIfMissing()
            if once { return try await round(url: url, directory: directory, store: store, retention: retention) }
            guard let interval else {
                Self.say("scheduled backups are off (KEELSON_BACKUP_SCHEDULE=off); waiting to be stopped")
                while true { try await Task.sleep(for: .seconds(3_600)) }
            }
            Self.say(
                "backups every \(Self.describe(interval)) into \(directory.path)\(store.map { ", copied to \($0.description)" } ?? ""), keeping \(retention.keepDays) days and at least \(retention.keepCount)"
            )
            while true {
                let newest = (try? directory.entries().last(where: \.dumpExists))?.createdAt
                let wait = newest.map { $0.addingTimeInterval(interval).timeIntervalSinceNow } ?? 0
                if wait > 0 {
                    Self.say("next backup at \(Date().addingTimeInterval(wait).formatted(Date.ISO8601FormatStyle()))")
                    try await Task.sleep(for: .seconds(wait))
                }
                do {
                    try await round(url: url, directory: directory, store: store, retention: retention)
                } catch {
                    let message = (error as? CLIError)?.message ?? String(describing: error)
                    FileHandle.standardError.write(Data("keelson: scheduled backup failed: \(message); trying again in 15 min\n".utf8))
                    try await Task.sleep(for: .seconds(min(interval, 900)))
                }
            }
        }
    }

    /// One backup: create, copy off-site and verify, prune both ends. A failure is announced (`backup_failed`) and thrown.
    func round(url: DatabaseURL, directory: BackupDirectory, store: (any OffSiteStore)?, retention: BackupRetention) async throws {
        do {
            let created = try await Interruption.cancellingOnSignals(
                interruptedMessage: "interrupted; no backup was written (the partial file was removed)"
            ) {
                try await BackupCreateCommand.create(from: url, into: directory)
            }
            Self.say("backup \(created.path) (\(ByteCount.format(created.manifest.sizeBytes)), \(Elapsed.text(created.seconds)))")
            if let store {
                let shipped = try await BackupCreateCommand.ship(created, to: store, database: database)
                Self.say("✔ copied to \(shipped.destination) and verified in \(Elapsed.text(shipped.seconds))")
            }
            let now = Date()
            let local = try BackupPruneCommand.prune(directory, retention, now: now, dryRun: false)
            var remote: [String] = []
            if let store { remote = try await OffSiteCopy(store: store).prune(retention, now: now, dryRun: false) }
            Self.say("pruned \(local.removed.count) local and \(remote.count) off-site files (keeping \(retention.keepDays) days, at least \(retention.keepCount))")
        } catch {
            await BackupCreateCommand.announceFailure(error, database: database)
            throw error
        }
    }

    /// A long-running process writing to a log file or a pipe: each line goes out at once, not when a buffer fills.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func describe(_ interval: TimeInterval) -> String {
        interval.truncatingRemainder(dividingBy: 3_600) == 0 ? "\(Int(interval / 3_600)) h" : "\(Int(interval / 60)) min"
    }
}
