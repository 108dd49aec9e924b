import ArgumentParser
import Foundation
import KeelsonFoundation
import KeelsonNotifications
import KeelsonPersistence

struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Notifications: what the outbox delivered or failed to, and a test message to a channel.",
        subcommands: [NotifyListCommand.self, NotifyTestCommand.self]
    )
}

struct NotifyListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "The newest deliveries per channel, or with --failed those dead or being retried.")
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Only deliveries that are dead or failing.") var failed = false
    @Option(help: "How many (1–1000).") var limit = 20

    func validate() throws {
        guard (1...1_000).contains(limit) else { throw ValidationError("--limit \(limit) is not allowed; expected 1 to 1000") }
    }

    func run() async throws {
        try await reportingErrors {
            let deliveries = try await database.withClient { client, _ in
                try await PostgresNotificationOutbox(client: client, logger: CLILogger.quiet).deliveries(failedOnly: failed, limit: limit)
            }
            if deliveries.isEmpty {
                return print(failed ? "no failed notifications" : "no notifications yet (a channel is configured with KEELSON_NOTIFY_*)")
            }
            let rows: [[String: Any]] = deliveries.map {
                [
                    "id": String($0.outboxID), "channel": $0.channel, "status": $0.status, "attempts": String($0.attempts), "event": $0.event,
                    "written": $0.createdAt.formatted(.iso8601), "summary": String($0.summary.prefix(80)), "error": $0.lastError ?? "",
                ]
            }
            print(
                JSONOutput.table(
                    rows,
                    columns: [
                        ("ID", "id"), ("CHANNEL", "channel"), ("STATUS", "status"), ("ATTEMPTS", "attempts"), ("EVENT", "event"),
                        ("WRITTEN", "written"),
                        ("SUMMARY", "summary"), ("LAST ERROR", "error"),
                    ]))
        }
    }
}

struct NotifyTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Send a test message to a channel configured in the environment (webhook, slack, telegram), now.")
    @Argument(help: "webhook, slack or telegram.") var channel: String

    func run() async throws {
        try await reportingErrors {
            let settings: NotificationSettings
            do { settings = try NotificationSettings.load() } catch let error as ConfigurationError { throw CLIError(error.description, exitCode: 2) }
            guard let target = settings.channels.first(where: { $0.name == channel }) else {
                let configured = settings.channels.map(\.name)
                throw CLIError(
                    "\(channel) is not configured; "
                        + (configured.isEmpty
                            ? "no channel is (set KEELSON_NOTIFY_WEBHOOK_URL, KEELSON_NOTIFY_SLACK_WEBHOOK_URL or KEELSON_NOTIFY_TELEGRAM_BOT_TOKEN)"
                            : "configured: \(configured.joined(separator: ", "))"),
                    exitCode: 2)
            }
            let now = Date.now
            let event = OutboxEvent(
                id: 0, event: "test", occurredAt: now, summary: "test message from keelson notify test at \(now.formatted(.iso8601))", payload: "{}",
                idempotencyKey: "test-\(UUID().uuidString)")
            do {
                try await target.send(NotificationMessage(event))
            } catch {
                throw CLIError("\(channel): \(error)")
            }
            print("sent a test message to \(channel)")
        }
    }
}
