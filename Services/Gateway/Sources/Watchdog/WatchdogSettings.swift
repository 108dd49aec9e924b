import Foundation
import KeelsonServiceKit

/// How the gateway's watchdog looks after the system (docs/CONFIGURATION.md, docs/RUNBOOK.md#watchdog).
public struct WatchdogSettings: Sendable, Equatable {
    /// `KEELSON_WATCHDOG=off` leaves the status view but takes no action.
    public var acting = true
    /// How often it looks (`KEELSON_WATCHDOG_INTERVAL`, e.g. `30s`).
    public var interval: Duration = .seconds(30)
    /// More actions than this on one component within `window` is a recovery loop: it stops acting on that component
    /// and raises `KeelsonWatchdogRecoveryLoop` (`KEELSON_WATCHDOG_MAX_ACTIONS`, `KEELSON_WATCHDOG_WINDOW`).
    public var maxActions = 5
    public var window: Duration = .seconds(30 * 60)
    /// A dependency trading needs that has failed this long puts trading in maintenance
    /// (`KEELSON_WATCHDOG_MAINTENANCE_AFTER`).
    public var maintenanceAfter: Duration = .seconds(10 * 60)
    /// A newest backup older than this is a symptom (what `KeelsonBackupStale` pages on).
    public var backupMaxAge: TimeInterval = 26 * 3_600

    public init() {}

    static func load(environment: EnvironmentReader) throws(ConfigurationError) -> WatchdogSettings {
        var settings = WatchdogSettings()
        if let text = environment.string("KEELSON_WATCHDOG") {
            guard let acting = ["on": true, "off": false][text.lowercased()] else {
                throw ConfigurationError(variable: "KEELSON_WATCHDOG", problem: "'\(text)' is not allowed; expected on or off")
            }
            settings.acting = acting
        }
        settings.interval = try environment.interval("KEELSON_WATCHDOG_INTERVAL") ?? settings.interval
        settings.window = try environment.interval("KEELSON_WATCHDOG_WINDOW") ?? settings.window
        settings.maintenanceAfter = try environment.interval("KEELSON_WATCHDOG_MAINTENANCE_AFTER") ?? settings.maintenanceAfter
        if let text = environment.string("KEELSON_WATCHDOG_MAX_ACTIONS") {
            guard let count = Int(text), (1...1_000).contains(count) else {
                throw ConfigurationError(
                    variable: "KEELSON_WATCHDOG_MAX_ACTIONS", problem: "'\(text)' is not allowed; expected a whole number from 1 to 1000")
            }
            settings.maxActions = count
        }
        return settings
    }
}
