import AsyncHTTPClient
import Foundation
import KeelsonFoundation

/// The notification channels and the dispatcher's pace, from `KEELSON_NOTIFY_*` (docs/NOTIFICATIONS.md). No channel
/// configured is valid: the outbox still records every event, `keelson notify list` shows them, and old ones are
/// pruned.
public struct NotificationSettings: Sendable {
    public var channels: [any NotificationChannel]
    public var interval: Duration
    public var maxAttempts: Int
    /// More due events than this for one channel in one pass go out as one digest.
    public var digestThreshold: Int
    public var retention: Duration
    /// The first retry's wait; each further one doubles it, up to 30 minutes.
    public var retryBase: Duration

    public init(
        channels: [any NotificationChannel], interval: Duration = .seconds(2), maxAttempts: Int = 8, digestThreshold: Int = 10,
        retention: Duration = .seconds(30 * 86_400), retryBase: Duration = .seconds(5)
    ) {
        self.channels = channels
        self.retryBase = retryBase
        self.interval = interval
        self.maxAttempts = maxAttempts
        self.digestThreshold = digestThreshold
        self.retention = retention
    }

    public static func load(environment: EnvironmentReader = EnvironmentReader(), client: HTTPClient = .shared) throws(ConfigurationError)
        -> NotificationSettings
    {
        var channels: [any NotificationChannel] = []
        if let url = try environment.httpURL("KEELSON_NOTIFY_WEBHOOK_URL") {
            guard let secret = environment.string("KEELSON_NOTIFY_WEBHOOK_SECRET"), secret.count >= 16 else {
                throw ConfigurationError(
                    variable: "KEELSON_NOTIFY_WEBHOOK_SECRET",
                    problem: "not set or shorter than 16 characters; the webhook's messages are signed with it (keelson secrets generate makes one)")
            }
            channels.append(
                WebhookChannel(url: url, secret: secret, events: try events(environment, "KEELSON_NOTIFY_WEBHOOK_EVENTS"), client: client))
        }
        if let url = try secretURL(environment, "KEELSON_NOTIFY_SLACK_WEBHOOK_URL") {
            channels.append(SlackChannel(url: url, events: try events(environment, "KEELSON_NOTIFY_SLACK_EVENTS"), client: client))
        }
        if let token = environment.string("KEELSON_NOTIFY_TELEGRAM_BOT_TOKEN") {
            guard let chat = environment.string("KEELSON_NOTIFY_TELEGRAM_CHAT_ID") else {
                throw ConfigurationError(
                    variable: "KEELSON_NOTIFY_TELEGRAM_CHAT_ID", problem: "not set; a Telegram bot token needs the chat to write to")
            }
            channels.append(
                TelegramChannel(
                    apiURL: try environment.httpURL("KEELSON_NOTIFY_TELEGRAM_API_URL") ?? "https://api.telegram.org", token: token, chatID: chat,
                    events: try events(environment, "KEELSON_NOTIFY_TELEGRAM_EVENTS"), client: client))
        }
        var settings = NotificationSettings(channels: channels)
        if let interval = try environment.duration("KEELSON_NOTIFY_INTERVAL_MS") { settings.interval = interval }
        if let base = try environment.duration("KEELSON_NOTIFY_RETRY_BASE_MS") { settings.retryBase = base }
        settings.maxAttempts = try count(environment, "KEELSON_NOTIFY_MAX_ATTEMPTS", 1...100) ?? settings.maxAttempts
        settings.digestThreshold = try count(environment, "KEELSON_NOTIFY_DIGEST_THRESHOLD", 2...1_000) ?? settings.digestThreshold
        if let days = try count(environment, "KEELSON_NOTIFY_RETENTION_DAYS", 1...3_650) { settings.retention = .seconds(days * 86_400) }
        return settings
    }

    /// A comma-separated list of event names (`fill,trade_closed,max_drawdown`); unset: every event.
    static func events(_ environment: EnvironmentReader, _ variable: String) throws(ConfigurationError) -> [String]? {
        guard let text = environment.string(variable) else { return nil }
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty, names.allSatisfy({ $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }) else {
            throw ConfigurationError(
                variable: variable, problem: "'\(text)' is not a list of event names; expected e.g. fill,trade_closed,max_drawdown")
        }
        return names
    }

    /// An https URL that is itself a credential (a Slack webhook): checked without repeating it in the error.
    static func secretURL(_ environment: EnvironmentReader, _ variable: String) throws(ConfigurationError) -> String? {
        guard let text = environment.string(variable) else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ConfigurationError(variable: variable, problem: "is not a URL; expected the https://hooks.slack.com/services/… address Slack gave")
        }
        return text
    }

    static func count(_ environment: EnvironmentReader, _ variable: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let text = environment.string(variable) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(
                variable: variable, problem: "'\(text)' is not allowed; expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
