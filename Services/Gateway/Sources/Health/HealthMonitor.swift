import Foundation
import ServiceLifecycle

/// Keeps the latest `SystemHealth`: a background loop checks every `interval`, so `GET /health` answers from
/// memory at full speed; a reader that finds the snapshot older than it accepts starts a check, and readers
/// arriving meanwhile share it instead of each probing every service.
actor HealthMonitor: Service {
    let probe: SystemProbe
    let interval: Duration
    private var latest: SystemHealth?
    private var latestAt: ContinuousClock.Instant?
    private var running: Task<SystemHealth, Never>?
    private var runningGeneration = 0
    private var runningStartedAt = ContinuousClock.now
    /// Bumped by `invalidate`: a check started before it cannot answer for after it.
    private var generation = 0

    init(probe: SystemProbe, interval: Duration) {
        self.probe = probe
        self.interval = interval
    }

    /// The snapshot if it is at most `maxAge` old, else a fresh check.
    func current(maxAge: Duration) async -> SystemHealth {
        if let latest, let latestAt, ContinuousClock.now - latestAt <= maxAge { return latest }
        return await checkNow()
    }

    /// A fresh check, joining one already under way if it started after the last `invalidate` and not before
    /// `notBefore` (a person asking for details gets a check that began after they asked).
    func checkNow(notBefore: ContinuousClock.Instant? = nil) async -> SystemHealth {
        if let running, runningGeneration == generation, notBefore.map({ runningStartedAt >= $0 }) ?? true { return await running.value }
        let task = Task { [probe] in await probe.check() }
        let started = generation
        running = task
        runningGeneration = started
        runningStartedAt = .now
        let health = await task.value
        if runningGeneration == started { running = nil }
        if started == generation {
            latest = health
            latestAt = .now
        }
        return health
    }

    /// Forgets the snapshot after something changed (an admin action), so the next reader sees the change.
    func invalidate() {
        generation += 1
        latest = nil
        latestAt = nil
    }

    nonisolated func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                _ = await self.checkNow()
                try await Task.sleep(for: self.interval)
            }
        }
    }
}
