import Foundation
import KeelsonPersistence

/// `--every-trades M` / `--every-hours H` with `--apply-to ID`: a re-optimisation that runs only when it is due — ID
/// has closed M round trips, or H hours have passed, since the last finished re-optimisation of it (whichever comes
/// first; the first one always runs). A scheduler can then start it often (the CronJob every hour) and the starts
/// that are not due end at once, before any data is read.
struct ReoptimizationSchedule {
    var everyTrades: Int?
    var everyHours: Double?

    var isSet: Bool { everyTrades != nil || everyHours != nil }

    func validate(applyTo: String?) throws {
        guard isSet else { return }
        guard applyTo != nil else {
            throw CLIError("--every-trades and --every-hours schedule a re-optimisation; give --apply-to ID too", exitCode: 2)
        }
        if let everyTrades, !(1...1_000_000).contains(everyTrades) {
            throw CLIError("--every-trades \(everyTrades) is not allowed; expected 1 to 1000000 closed trades", exitCode: 2)
        }
        if let everyHours, !(everyHours.isFinite && everyHours > 0 && everyHours <= 24 * 366) {
            throw CLIError("--every-hours \(everyHours) is not allowed; expected more than 0 and at most 8784 hours", exitCode: 2)
        }
    }

    /// Nil when the re-optimisation of `instance` is due; otherwise the line that says why it is not.
    func notDue(instance: String, database: DatabaseOptions, now: Date = Date()) async throws -> String? {
        guard isSet else { return nil }
        return try await database.withClient { client, _ in
            let runs = PostgresOptimizationRunStore(client: client, logger: CLILogger.quiet)
            guard let last = try await runs.lastReoptimization(of: instance) else { return nil }
            let trades = try await PostgresTradingReadStorage.closedTrades(
                of: instance, after: last.startedAt, client: client, logger: CLILogger.quiet)
            let hours = now.timeIntervalSince(last.startedAt) / 3600
            if let everyTrades, trades >= everyTrades { return nil }
            if let everyHours, hours >= everyHours { return nil }
            var waits: [String] = []
            if let everyTrades { waits.append("\(trades) of \(everyTrades) closed trades") }
            if let everyHours { waits.append(String(format: "%.1f of %@ hours", hours, OptimizationFiles.number(everyHours))) }
            return "not due: \(instance) has \(waits.joined(separator: " and ")) since re-optimisation \(last.key); nothing run"
        }
    }
}
