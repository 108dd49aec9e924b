import Foundation
import KeelsonPersistence
import Logging
import ServiceLifecycle

/// Looks after the running system every `settings.interval`: every service, PostgreSQL, market-data freshness,
/// every circuit breaker, the engine's leadership and backups. It acts only in safe, documented ways — probes a
/// breaker whose cool-down is over, puts trading in maintenance while a dependency it needs keeps failing and lifts
/// only that — records each action in `watchdog_events`, and after `maxActions` on one component within `window`
/// stops acting on it and raises `KeelsonWatchdogRecoveryLoop` instead of looping.
actor Watchdog: Service {
    /// One look at the system (the gateway's health monitor in production).
    let look: @Sendable () async -> SystemHealth
    let settings: WatchdogSettings
    let events: any WatchdogEventLog
    let actuator: any WatchdogActuator
    /// Runs the actions only where this gateway holds the watchdog's lock, so several gateway replicas act once.
    let exclusively: @Sendable (@escaping @Sendable () async -> Void) async -> Bool
    let metrics: WatchdogMetrics?
    let logger: Logger

    private var failingSince: [String: Date] = [:]
    private var looping: Set<String> = []
    private var latest: [WatchdogComponent] = []
    private var lastCheck: Date?

    init(
        look: @escaping @Sendable () async -> SystemHealth, settings: WatchdogSettings, events: any WatchdogEventLog, actuator: any WatchdogActuator,
        exclusively: @escaping @Sendable (@escaping @Sendable () async -> Void) async -> Bool = { body in
            await body()
            return true
        },
        metrics: WatchdogMetrics?, logger: Logger
    ) {
        self.look = look
        self.settings = settings
        self.events = events
        self.actuator = actuator
        self.exclusively = exclusively
        self.metrics = metrics
        self.logger = logger
    }

    struct Status: Sendable {
        var components: [WatchdogComponent]
        var lastCheck: Date?
        var looping: [String]
    }

    /// The components as last checked; before the first round, as they are now (looked at, not acted on).
    func status() async -> Status {
        if lastCheck == nil { _ = await observe(now: .now) }
        return Status(components: latest, lastCheck: lastCheck, looping: looping.sorted())
    }

    /// One round: look, update what is failing since when, and act where a recovery is due.
    func check(now: Date = .now) async {
        let (components, health) = await observe(now: now)
        guard settings.acting else { return }
        let actions = WatchdogAction.plan(components, health: health, maintenanceAfter: settings.maintenanceAfter.milliseconds / 1_000, now: now)
        guard !actions.isEmpty else { return }
        _ = await exclusively {
            for action in actions { await self.perform(action, now: now) }
        }
    }

    private func observe(now: Date) async -> ([WatchdogComponent], SystemHealth) {
        let health = await look()
        var components = WatchdogComponent.assess(health, backupMaxAge: settings.backupMaxAge)
        for index in components.indices {
            let name = components[index].name
            switch components[index].state {
            case .failing:
                let since = failingSince[name] ?? now
                failingSince[name] = since
                components[index].failingSince = since
            case .ok:
                failingSince[name] = nil
                if looping.remove(name) != nil { metrics?.recoveryLoop(name, false) }
            case .unknown:
                break
            }
            components[index].acting = !looping.contains(name)
        }
        // Trading is no component of its own, but its maintenance is guarded like one: it is well again when all it
        // needs works and no maintenance of the watchdog's is left (an operator lifts one a loop left behind).
        let tradingWell =
            !components.contains { WatchdogAction.tradingNeeds($0) && $0.state == .failing }
            && !WatchdogAction.isWatchdogMaintenance(health.trading)
        if tradingWell, looping.remove("trading") != nil { metrics?.recoveryLoop("trading", false) }
        latest = components
        lastCheck = now
        metrics?.checked(at: now)
        return (components, health)
    }

    private func perform(_ action: WatchdogAction, now: Date) async {
        let component = action.component
        guard !looping.contains(component) else { return }
        let since = now.addingTimeInterval(-settings.window.milliseconds / 1_000)
        let taken: Int
        do {
            taken = try await events.actionCount(component: component, since: since)
        } catch {
            // Without the record there is no loop guard either: do nothing rather than act blind.
            logger.warning("watchdog: cannot count its recent actions; not acting", metadata: ["error": "\(error)"])
            return
        }
        if taken >= settings.maxActions {
            looping.insert(component)
            metrics?.recoveryLoop(component, true)
            metrics?.action(action.name, result: "loop")
            let minutes = Int(settings.window.milliseconds / 60_000)
            await record(
                WatchdogEvent(
                    source: .watchdog, component: component, symptom: action.symptom, action: WatchdogEvent.noAction,
                    result: "recovery loop: \(taken) actions in the last \(minutes) min; acting stopped, KeelsonWatchdogRecoveryLoop raised"))
            logger.error("watchdog: recovery loop; acting stopped", metadata: ["component": "\(component)", "actions": "\(taken)"])
            return
        }
        let started = ContinuousClock.now
        let (worked, result) =
            switch action {
            case .probeBreaker(_, let service, let breaker, _): await actuator.probeBreaker(service: service, breaker: breaker)
            case .catchUpMarketData: await actuator.catchUpMarketData()
            case .enterMaintenance: await actuator.maintenance(on: true, reason: "\(WatchdogAction.reasonPrefix) \(action.symptom)")
            case .liftMaintenance: await actuator.maintenance(on: false, reason: "\(WatchdogAction.reasonPrefix) \(action.symptom)")
            }
        let elapsed = (ContinuousClock.now - started).milliseconds
        metrics?.action(action.name, result: worked ? "ok" : "failed")
        logger.notice(
            "watchdog: \(action.name) \(worked ? "worked" : "failed")", metadata: ["component": "\(component)", "result": "\(result)"])
        await record(
            WatchdogEvent(source: .watchdog, component: component, symptom: action.symptom, action: action.name, result: result, durationMs: elapsed))
    }

    private func record(_ event: WatchdogEvent) async {
        do {
            try await events.record(event)
        } catch {
            logger.warning("watchdog: could not record its action", metadata: ["error": "\(error)", "component": "\(event.component)"])
        }
    }

    nonisolated func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.settings.interval)
                await self.check()
            }
        }
    }
}
