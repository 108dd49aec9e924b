import Foundation
import NIOCore
import Testing

@testable import GatewayService

/// The verdict rules, part by part.
@Suite("System health rules")
struct SystemHealthRulesTests {
    static func service(_ name: String, reachable: Bool = true, ready: Bool = true) -> SystemHealth.ServiceCheck {
        .init(
            service: name, url: "http://x", reachable: reachable, ready: ready, role: nil, latencyMs: 1,
            reason: reachable ? nil : "connection refused")
    }

    static func assess(
        engine: SystemHealth.ServiceCheck = service("engine"), others: [SystemHealth.ServiceCheck] = [service("marketdata"), service("signals")],
        databaseReachable: Bool = true, state: String? = "active", stale: Bool = false, breaker: String = "closed"
    ) -> SystemHealth {
        SystemHealth.assess(
            services: [engine] + others,
            database: .init(
                reachable: databaseReachable, schemaVersion: databaseReachable ? 5 : nil, latencyMs: 1, reason: databaseReachable ? nil : "refused"),
            trading: .init(state: state, reason: state == "active" ? nil : "loss limit", sessionID: 1, maintenance: false, lastTradeTime: nil),
            marketData: .init(
                connected: true, provider: "replay", providerStatus: "running", ageSeconds: stale ? 900 : 1, stale: stale, lastError: nil),
            circuitBreakers: [.init(service: "marketdata", name: "provider:replay", state: breaker)], checkedAt: .now
        )
    }

    @Test func everythingUpIsHealthy() {
        let health = Self.assess()
        #expect(health.status == .healthy)
        #expect(health.reasons.isEmpty)
    }

    @Test func engineOrDatabaseUnreachableIsUnhealthy() {
        #expect(Self.assess(engine: Self.service("engine", reachable: false)).status == .unhealthy)
        #expect(Self.assess(databaseReachable: false).status == .unhealthy)
        #expect(Self.assess(databaseReachable: false).reasons.first?.contains("PostgreSQL") == true)
    }

    @Test func haltsAndNonCriticalPartsAreDegraded() {
        #expect(Self.assess(state: "halted").status == .degraded)
        #expect(Self.assess(state: "stopped").reasons == ["trading is stopped: loss limit"])
        #expect(Self.assess(others: [Self.service("marketdata", reachable: false), Self.service("signals")]).status == .degraded)
        #expect(Self.assess(engine: Self.service("engine", ready: false)).status == .degraded)
        #expect(Self.assess(stale: true).status == .degraded)
        #expect(Self.assess(breaker: "open").reasons.first?.contains("provider:replay") == true)
    }

    @Test func criticalReasonsComeFirst() {
        let health = Self.assess(engine: Self.service("engine", reachable: false), state: "halted")
        #expect(health.status == .unhealthy)
        #expect(health.reasons.first?.contains("keelson-engine") == true)
        #expect(health.reasons.count == 2)
    }

    @Test func authFailureLimiterBlocksForTheRestOfTheWindow() {
        let limiter = AuthFailureLimiter(limit: 3, window: .seconds(60))
        let start = ContinuousClock.now
        #expect(limiter.recordFailure("10.0.0.1", now: start) == false)
        #expect(limiter.recordFailure("10.0.0.1", now: start) == false)
        #expect(limiter.retryAfter("10.0.0.1", now: start) == nil)
        #expect(limiter.recordFailure("10.0.0.1", now: start) == true)
        #expect(limiter.retryAfter("10.0.0.1", now: start + .seconds(10)) == 50)
        #expect(limiter.retryAfter("10.0.0.2", now: start) == nil)
        #expect(limiter.retryAfter("10.0.0.1", now: start + .seconds(61)) == nil)
        #expect(limiter.recordFailure("10.0.0.1", now: start + .seconds(61)) == false)
    }
}

@Suite("Gateway read cache")
struct ReadCacheTests {
    actor Counter {
        var calls = 0
        func next() -> Int { calls += 1; return calls }
    }

    @Test func concurrentReadsShareOneUpstreamCallAndExpire() async throws {
        let cache = ReadCache(lifetime: .milliseconds(200))
        let counter = Counter()
        let fetch: @Sendable () async throws -> ReadCache.Entry = {
            let call = await counter.next()
            try await Task.sleep(for: .milliseconds(50))
            return .init(status: 200, body: .init(string: "\(call)"), storedAt: .now)
        }
        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { String(buffer: try await cache.answer(for: "engine /api/v1/portfolio", fetch: fetch).body) } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(bodies) == ["1"])
        #expect(await counter.calls == 1)
        try await Task.sleep(for: .milliseconds(250))
        #expect(String(buffer: try await cache.answer(for: "engine /api/v1/portfolio", fetch: fetch).body) == "2")
        cache.removeAll()
        #expect(String(buffer: try await cache.answer(for: "engine /api/v1/portfolio", fetch: fetch).body) == "3")
    }

    @Test func failuresAreNotCached() async throws {
        let cache = ReadCache(lifetime: .seconds(60))
        let counter = Counter()
        let fetch: @Sendable () async throws -> ReadCache.Entry = {
            let call = await counter.next()
            return .init(status: call == 1 ? 404 : 200, body: .init(string: "\(call)"), storedAt: .now)
        }
        #expect(try await cache.answer(for: "k", fetch: fetch).status == 404)
        #expect(try await cache.answer(for: "k", fetch: fetch).status == 200)
        #expect(try await cache.answer(for: "k", fetch: fetch).status == 200)
        #expect(await counter.calls == 2)
    }
}
