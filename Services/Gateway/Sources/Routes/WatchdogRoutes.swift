import Foundation
import Hummingbird
import KeelsonPersistence
import KeelsonServiceKit

/// `GET /api/v1/watchdog`: what the watchdog looks after, how each part was at its last check, what depends on what,
/// and the recent recoveries — its own and the supervisor's restarts.
struct WatchdogRoutes {
    let watchdog: Watchdog
    let events: any WatchdogEventLog
    let settings: WatchdogSettings

    struct WatchdogView: ResponseEncodable {
        var acting: Bool
        var intervalSeconds: Double
        var maxActions: Int
        var windowSeconds: Double
        var maintenanceAfterSeconds: Double
        var lastCheck: Date?
        var components: [WatchdogComponent]
        /// Components the watchdog stopped acting on after a recovery loop.
        var recoveryLoops: [String]
        var recent: [WatchdogEvent]
        /// Why `recent` is empty when the record could not be read.
        var recentError: String?

        enum CodingKeys: String, CodingKey {
            case acting, components, recent
            case intervalSeconds = "interval_seconds"
            case maxActions = "max_actions"
            case windowSeconds = "window_seconds"
            case maintenanceAfterSeconds = "maintenance_after_seconds"
            case lastCheck = "last_check"
            case recoveryLoops = "recovery_loops"
            case recentError = "recent_error"
        }
    }

    func register(viewer: RouterGroup<KeelsonRequestContext>) {
        viewer.get("api/v1/watchdog") { request, _ -> WatchdogView in
            let query = QueryReader(request)
            let limit = try query.integer("limit", default: 20, range: 1...500)
            let since = try query.date("since")
            let status = await watchdog.status()
            var view = WatchdogView(
                acting: settings.acting, intervalSeconds: settings.interval.milliseconds / 1_000, maxActions: settings.maxActions,
                windowSeconds: settings.window.milliseconds / 1_000, maintenanceAfterSeconds: settings.maintenanceAfter.milliseconds / 1_000,
                lastCheck: status.lastCheck, components: status.components, recoveryLoops: status.looping, recent: [])
            do {
                view.recent = try await events.recent(limit: limit, since: since)
            } catch {
                view.recentError = "the recoveries could not be read: \(DatabaseErrorDescription.describe(error))"
            }
            return view
        }
    }
}
