import Foundation
import KeelsonNotifications
import KeelsonPersistence
import KeelsonServiceKit

/// The gateway's own settings, beyond what every service reads.
public struct GatewaySettings: Sendable {
    /// Browser origins allowed to call the API (`KEELSON_CORS_ORIGINS`, comma-separated; `*` for any). Empty: no
    /// CORS headers, so browsers on other origins are refused.
    public var corsOrigins: [String] = []
    /// How often the background check of every service runs (`KEELSON_GATEWAY_HEALTH_INTERVAL_MS`).
    public var healthInterval: Duration = .seconds(2)
    /// How long one check of one service may take before it counts as unreachable
    /// (`KEELSON_GATEWAY_CHECK_TIMEOUT_MS`).
    public var checkTimeout: Duration = .seconds(1)
    /// Failed authentications from one address within `authFailureWindow` before it gets 429s
    /// (`KEELSON_AUTH_FAILURE_LIMIT`).
    public var authFailureLimit = 10
    public var authFailureWindow: Duration = .seconds(60)
    /// How long a successful dashboard read is reused (`KEELSON_GATEWAY_READ_CACHE_MS`; 0 turns the cache off).
    public var readCacheLifetime: Duration = .milliseconds(250)
    /// How long a verified API key is trusted without asking PostgreSQL again (`KEELSON_GATEWAY_KEY_CACHE_MS`;
    /// 0 turns it off). A key revoked through this gateway stops at once; one revoked elsewhere (the CLI, another
    /// replica) within this time.
    public var keyCacheLifetime: Duration = .seconds(5)
    /// Market data older than this makes the system `degraded` (`KEELSON_MARKET_DATA_STALE_SECONDS`).
    public var marketDataStaleAfter: TimeInterval = 300

    /// Alertmanager's base URL (`KEELSON_ALERTMANAGER_URL`, e.g. http://alertmanager:9093): the dashboard's alerts come
    /// from its API; unset, they are the engine's risk events.
    public var alertmanagerURL: String?

    /// A deployment's first admin key (`KEELSON_ADMIN_API_KEY`, from `keelson secrets generate`): registered at
    /// start-up when its id is not in `api_keys`, so a fresh install can be administered without the CLI.
    public var bootstrapAdminKey: APIKeyCredential?
    /// Where the outbox's events are delivered (`KEELSON_NOTIFY_*`, docs/NOTIFICATIONS.md); none by default.
    public var notifications = NotificationSettings(channels: [])
    public var watchdog = WatchdogSettings()

    public init() {}

    public static func load(environment: EnvironmentReader = EnvironmentReader()) throws(ConfigurationError) -> GatewaySettings {
        var settings = GatewaySettings()
        if let text = environment.string("KEELSON_ADMIN_API_KEY") {
            guard let credential = APIKeyCredential(presented: text) else {
                throw ConfigurationError(
                    variable: "KEELSON_ADMIN_API_KEY",
                    problem: "is not an API key (kk_<12 hex>_<64 hex>); generate one with `keelson secrets generate`")
            }
            settings.bootstrapAdminKey = credential
        }
        if let text = environment.string("KEELSON_CORS_ORIGINS") {
            settings.corsOrigins = try parseOrigins(text)
        }
        if let text = environment.string("KEELSON_ALERTMANAGER_URL") {
            guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ConfigurationError(
                    variable: "KEELSON_ALERTMANAGER_URL", problem: "'\(text)' is not an http(s) URL; expected e.g. http://alertmanager:9093")
            }
            settings.alertmanagerURL = text.hasSuffix("/") ? String(text.dropLast()) : text
        }
        settings.healthInterval = try environment.duration("KEELSON_GATEWAY_HEALTH_INTERVAL_MS") ?? settings.healthInterval
        settings.checkTimeout = try environment.duration("KEELSON_GATEWAY_CHECK_TIMEOUT_MS") ?? settings.checkTimeout
        settings.readCacheLifetime = try milliseconds(environment, "KEELSON_GATEWAY_READ_CACHE_MS", maximum: 10_000) ?? settings.readCacheLifetime
        settings.keyCacheLifetime = try milliseconds(environment, "KEELSON_GATEWAY_KEY_CACHE_MS", maximum: 60_000) ?? settings.keyCacheLifetime
        if let text = environment.string("KEELSON_AUTH_FAILURE_LIMIT") {
            guard let limit = Int(text), (1...10_000).contains(limit) else {
                throw ConfigurationError(
                    variable: "KEELSON_AUTH_FAILURE_LIMIT", problem: "'\(text)' is not allowed; expected a whole number from 1 to 10000")
            }
            settings.authFailureLimit = limit
        }
        if let text = environment.string("KEELSON_MARKET_DATA_STALE_SECONDS") {
            guard let seconds = Int(text), seconds > 0 else {
                throw ConfigurationError(
                    variable: "KEELSON_MARKET_DATA_STALE_SECONDS", problem: "'\(text)' is not allowed; expected a whole number of seconds above 0")
            }
            settings.marketDataStaleAfter = TimeInterval(seconds)
        }
        settings.notifications = try NotificationSettings.load(environment: environment)
        settings.watchdog = try WatchdogSettings.load(environment: environment)
        return settings
    }

    /// A whole number of milliseconds from 0 (off) to `maximum`.
    static func milliseconds(_ environment: EnvironmentReader, _ variable: String, maximum: Int) throws(ConfigurationError) -> Duration? {
        guard let text = environment.string(variable) else { return nil }
        guard let value = Int(text), (0...maximum).contains(value) else {
            throw ConfigurationError(
                variable: variable, problem: "'\(text)' is not allowed; expected a whole number of milliseconds from 0 (off) to \(maximum)")
        }
        return .milliseconds(value)
    }

    static func parseOrigins(_ text: String) throws(ConfigurationError) -> [String] {
        let origins = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for origin in origins where origin != "*" {
            guard let url = URL(string: origin), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil,
                url.path.isEmpty || url.path == "/"
            else {
                throw ConfigurationError(
                    variable: "KEELSON_CORS_ORIGINS",
                    problem: "'\(origin)' is not an origin; expected scheme://host[:port], e.g. https://dashboard.example.com, or *")
            }
        }
        return origins.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }
}
