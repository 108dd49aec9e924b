import Foundation
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import Logging
import Synchronization
import Testing

@testable import GatewayService

/// The watchdog's decisions, one round at a time, on systems described by hand: what it probes, when it puts trading
/// in maintenance and lifts only its own, and how a dependency that keeps failing ends in one alert instead of a loop.
@Suite("Watchdog: recoveries, maintenance it lifts itself, and the recovery-loop guard")
struct WatchdogTests {
    /// `watchdog_events` in memory (the PostgreSQL one is proven below).
    actor MemoryEvents: WatchdogEventLog {
        private(set) var events: [WatchdogEvent] = []
        func record(_ event: WatchdogEvent) async throws {
            var stamped = event
            stamped.occurredAt = .now
            events.append(stamped)
        }
        func recent(limit: Int, since: Date?) async throws -> [WatchdogEvent] { Array(events.reversed().prefix(limit)) }
        func actionCount(component: String, since: Date) async throws -> Int {
            events.filter { $0.source == .watchdog && $0.component == component && $0.action != WatchdogEvent.noAction }.count
        }
    }

    /// Records what it was asked; the breaker closes when `exchangeAnswers`.
    final class Actuator: WatchdogActuator {
        let calls = Mutex<[String]>([])
        let exchangeAnswers = Atomic<Bool>(false)
        func probeBreaker(service: String, breaker: String) async -> (worked: Bool, result: String) {
            calls.withLock { $0.append("probe \(service) \(breaker)") }
            return exchangeAnswers.load(ordering: .relaxed) ? (true, "closed: the dependency answered") : (false, "still open: HTTP 503")
        }
        func catchUpMarketData() async -> (worked: Bool, result: String) {
            calls.withLock { $0.append("catch up") }
            return (true, "fetched up to now; 1 gap before, 0 left")
        }
        func maintenance(on: Bool, reason: String) async -> (worked: Bool, result: String) {
            calls.withLock { $0.append("maintenance \(on ? "on" : "off"): \(reason)") }
            return (true, on ? "maintenance on" : "maintenance off")
        }
    }

    /// The system as the test sets it between rounds.
    final class System: Sendable {
        let breaker = Mutex("closed")
        let stale = Mutex(false)
        let providerStatus = Mutex("running")
        let trading = Mutex(SystemHealth.TradingCheck(state: "active", reason: nil, sessionID: 1, maintenance: false, lastTradeTime: nil))

        func health() -> SystemHealth {
            func service(_ name: String, role: String? = nil) -> SystemHealth.ServiceCheck {
                .init(service: name, url: "http://x", reachable: true, ready: true, role: role, latencyMs: 1, reason: nil)
            }
            let stale = stale.withLock { $0 }
            return SystemHealth.assess(
                services: [service("engine", role: "leader"), service("marketdata"), service("signals")],
                database: .init(reachable: true, schemaVersion: 17, latencyMs: 1, reason: nil, lastBackupAt: .now.addingTimeInterval(-3_600)),
                trading: trading.withLock { $0 },
                marketData: .init(
                    connected: true, provider: "binance", providerStatus: providerStatus.withLock { $0 }, ageSeconds: stale ? 900 : 5, stale: stale,
                    lastError: nil),
                circuitBreakers: [
                    .init(service: "marketdata", name: "exchange:fake:1", state: "closed"),
                    .init(service: "engine", name: "exchange:fake:1", state: breaker.withLock { $0 }),
                ],
                checkedAt: .now)
        }
    }

    static let engineBreaker = WatchdogComponent.breakerName(service: "engine", breaker: "exchange:fake:1")

    static func watchdog(_ system: System, _ events: MemoryEvents, _ actuator: Actuator, maxActions: Int = 3, maintenanceAfter: Duration = .seconds(600))
        -> Watchdog
    {
        var settings = WatchdogSettings()
        settings.maxActions = maxActions
        settings.maintenanceAfter = maintenanceAfter
        return Watchdog(
            look: { system.health() }, settings: settings, events: events, actuator: actuator, metrics: nil, logger: Logger(label: "test"))
    }

    @Test("every part is a component with its dependencies; a healthy system needs no action")
    func components() async {
        let system = System(), events = MemoryEvents(), actuator = Actuator()
        let watchdog = Self.watchdog(system, events, actuator)
        await watchdog.check()
        let status = await watchdog.status()
        #expect(
            status.components.map(\.name) == [
                "postgres", "engine", "marketdata", "signals", "market_data", "breaker:marketdata:exchange:fake:1", Self.engineBreaker, "leader",
                "backups",
            ])
        #expect(status.components.allSatisfy { $0.state == .ok })
        #expect(status.components.first { $0.name == "engine" }?.dependsOn == ["postgres", "marketdata", "signals"])
        #expect(status.components.first { $0.name == Self.engineBreaker }?.dependsOn == ["engine"])
        #expect(actuator.calls.withLock { $0 }.isEmpty)
        #expect(await events.events.isEmpty)
    }

    @Test("an open breaker is left alone while it cools down; past its cool-down it is probed, and closes when the exchange answers")
    func probesAfterCoolDown() async {
        let system = System(), events = MemoryEvents(), actuator = Actuator()
        let watchdog = Self.watchdog(system, events, actuator)
        system.breaker.withLock { $0 = "open" }
        await watchdog.check()
        #expect(actuator.calls.withLock { $0 }.isEmpty, "still cooling down")
        #expect(await watchdog.status().components.first { $0.name == Self.engineBreaker }?.state == .failing)

        system.breaker.withLock { $0 = "half_open" }
        actuator.exchangeAnswers.store(true, ordering: .relaxed)
        await watchdog.check()
        #expect(actuator.calls.withLock { $0 } == ["probe engine exchange:fake:1"])
        let recorded = await events.events
        #expect(recorded.count == 1)
        #expect(recorded.first?.component == Self.engineBreaker)
        #expect(recorded.first?.action == "probe_breaker")
        #expect(recorded.first?.result == "closed: the dependency answered")
        #expect(recorded.first?.source == .watchdog)
    }

    @Test("a dependency that keeps failing: N probes, then one recovery-loop event and no more actions until it recovers")
    func recoveryLoop() async {
        let system = System(), events = MemoryEvents(), actuator = Actuator()
        let watchdog = Self.watchdog(system, events, actuator, maxActions: 3)
        system.breaker.withLock { $0 = "half_open" }
        for _ in 0..<8 { await watchdog.check() }
        #expect(actuator.calls.withLock { $0 }.count == 3, "three probes, then none")
        let recorded = await events.events
        #expect(recorded.map(\.action) == ["probe_breaker", "probe_breaker", "probe_breaker", "none"], "the loop is recorded once")
        #expect(recorded.last?.result.hasPrefix("recovery loop: 3 actions in the last 30 min") == true)
        let status = await watchdog.status()
        #expect(status.looping == [Self.engineBreaker])
        #expect(status.components.first { $0.name == Self.engineBreaker }?.acting == false)

        system.breaker.withLock { $0 = "closed" }
        await watchdog.check()
        #expect(await watchdog.status().looping.isEmpty, "recovered: acting again")
    }

    @Test("a dependency trading needs that keeps failing puts trading in maintenance; the watchdog lifts its own and never an operator's")
    func maintenance() async throws {
        let system = System(), events = MemoryEvents(), actuator = Actuator()
        let watchdog = Self.watchdog(system, events, actuator, maintenanceAfter: .milliseconds(200))
        // A replay that has run out: stale, nothing to fetch — only maintenance is in play here.
        system.providerStatus.withLock { $0 = "finished" }
        system.stale.withLock { $0 = true }
        await watchdog.check()
        #expect(actuator.calls.withLock { $0 }.isEmpty, "failing, but not for long yet")
        try await Task.sleep(for: .milliseconds(300))
        await watchdog.check()
        let calls = actuator.calls.withLock { $0 }
        #expect(calls.count == 1)
        #expect(calls.first?.hasPrefix("maintenance on: watchdog: market_data: stale: nothing stored for 900 s for 0 min") == true, "\(calls)")

        // The engine took it: trading is halted in the watchdog's maintenance. Still stale: nothing more to do.
        system.trading.withLock {
            $0 = .init(state: "halted", reason: "maintenance: watchdog: market_data stale", sessionID: 1, maintenance: true, lastTradeTime: nil)
        }
        await watchdog.check()
        #expect(actuator.calls.withLock { $0 }.count == 1)

        system.stale.withLock { $0 = false }
        await watchdog.check()
        #expect(actuator.calls.withLock { $0 }.last == "maintenance off: watchdog: every dependency of trading works again")

        // An operator's maintenance is theirs to lift.
        system.trading.withLock {
            $0 = .init(state: "halted", reason: "maintenance: database upgrade", sessionID: 1, maintenance: true, lastTradeTime: nil)
        }
        await watchdog.check()
        #expect(actuator.calls.withLock { $0 }.count == 2)
        #expect(await events.events.map(\.action) == ["maintenance_on", "maintenance_off"])
        #expect(await events.events.allSatisfy { $0.component == "trading" })
    }

    @Test("stale market data while the provider answers: the collector is asked to catch up; a finished replay is left alone")
    func catchUp() async {
        let system = System(), events = MemoryEvents(), actuator = Actuator()
        let watchdog = Self.watchdog(system, events, actuator)
        system.stale.withLock { $0 = true }
        await watchdog.check()
        #expect(actuator.calls.withLock { $0 } == ["catch up"])
        #expect(await events.events.map(\.action) == ["backfill"])
        #expect(await events.events.first?.component == "market_data")
        #expect(await events.events.first?.result == "fetched up to now; 1 gap before, 0 left")

        system.providerStatus.withLock { $0 = "finished" }
        await watchdog.check()
        #expect(actuator.calls.withLock { $0 }.count == 1, "a replay that ran out is not fetched again")
        system.providerStatus.withLock { $0 = "running" }
        system.breaker.withLock { $0 = "open" }
        await watchdog.check()
        #expect(actuator.calls.withLock { $0 }.count == 2, "an engine breaker does not stop the collector's catch-up")
    }

    @Test("KEELSON_WATCHDOG=off watches and never acts")
    func watchingOnly() async {
        let system = System(), events = MemoryEvents(), actuator = Actuator()
        var settings = WatchdogSettings()
        settings.acting = false
        let watchdog = Watchdog(
            look: { system.health() }, settings: settings, events: events, actuator: actuator, metrics: nil, logger: Logger(label: "test"))
        system.breaker.withLock { $0 = "half_open" }
        await watchdog.check()
        #expect(actuator.calls.withLock { $0 }.isEmpty)
        #expect(await watchdog.status().components.first { $0.name == Self.engineBreaker }?.state == .failing)
    }

    @Test("watchdog settings: durations with units, the loop limit, on/off; a bad value names the variable")
    func settings() throws {
        let settings = try WatchdogSettings.load(
            environment: EnvironmentReader([
                "KEELSON_WATCHDOG": "off", "KEELSON_WATCHDOG_INTERVAL": "5s", "KEELSON_WATCHDOG_WINDOW": "1h", "KEELSON_WATCHDOG_MAX_ACTIONS": "4",
                "KEELSON_WATCHDOG_MAINTENANCE_AFTER": "2m",
            ]))
        #expect(settings.acting == false)
        #expect(settings.interval == .seconds(5) && settings.window == .seconds(3_600) && settings.maintenanceAfter == .seconds(120))
        #expect(settings.maxActions == 4)
        #expect(throws: ConfigurationError.self) { try WatchdogSettings.load(environment: EnvironmentReader(["KEELSON_WATCHDOG_INTERVAL": "soon"])) }
        #expect(throws: ConfigurationError.self) { try WatchdogSettings.load(environment: EnvironmentReader(["KEELSON_WATCHDOG_MAX_ACTIONS": "0"])) }
        #expect(throws: ConfigurationError.self) { try WatchdogSettings.load(environment: EnvironmentReader(["KEELSON_WATCHDOG": "maybe"])) }
    }

    @Test("watchdog_events on PostgreSQL: recorded, read newest first, and only the watchdog's actions counted for the loop guard")
    func postgresEventLog() async throws {
        try await TestDatabase.withMigratedDatabase { _, postgres in
            let log = PostgresWatchdogEventLog(client: postgres, logger: TestDatabase.logger)
            let start = Date.now.addingTimeInterval(-1)
            try await log.record(.init(source: .supervisor, component: "engine", symptom: "was killed by signal 9 after 3 s", action: "restart", result: "restarted"))
            try await log.record(.init(source: .watchdog, component: "trading", symptom: "x", action: "maintenance_on", result: "on", durationMs: 12.5))
            try await log.record(.init(source: .watchdog, component: "trading", symptom: "x", action: "none", result: "recovery loop"))
            let recent = try await log.recent(limit: 10, since: nil)
            #expect(recent.map(\.action) == ["none", "maintenance_on", "restart"])
            #expect(recent[1].durationMs == 12.5 && recent[2].source == .supervisor && recent[2].occurredAt != nil)
            #expect(try await log.actionCount(component: "trading", since: start) == 1)
            #expect(try await log.actionCount(component: "engine", since: start) == 0, "a supervisor restart is not the watchdog's action")
            #expect(try await log.recent(limit: 1, since: nil).count == 1)
            #expect(try await log.recent(limit: 10, since: .now.addingTimeInterval(60)).isEmpty)
        }
    }
}
