import EngineService
import Foundation
import GatewayService
import HTTPTypes
import HummingbirdTesting
import KeelsonExchanges
import KeelsonFakeExchange
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import NIOCore
import PostgresNIO
import Testing

/// The gateway's watchdog against a live engine whose exchange is the fake, over real HTTP: the exchange breaker the
/// fake's outage opens is probed after each cool-down and closed by the watchdog once the exchange answers; an outage
/// that lasts ends in one recovery-loop alert instead of endless probing.
@Suite("Watchdog on a live engine: the exchange breaker recovered, a lasting outage stopped at the loop guard")
struct WatchdogRecoveryTests {
    typealias L = LiveFixture

    struct Running {
        let gateway: any TestClientProtocol
        let engine: any TestClientProtocol
        let postgres: PostgresClient
        let viewerKey: String
        let breaker: String
        /// Opens the engine's exchange breaker with real failing requests, through the client the engine shares it with.
        let exchangeClient: BinanceRESTClient
    }

    /// A live engine on the fake (its exchange breaker: 2 failures, a 1 s cool-down) and a gateway watching every 200 ms.
    static func withSystem(maxActions: Int, _ body: @Sendable (FakeExchange, Running) async throws -> Void) async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await EngineFixture.seedCandles(EngineFixture.flat(0..<5), postgres: postgres)
            let exchange = L.exchange()
            try await exchange.withRunning { baseURL in
                let key = ExchangeAccess.exchangeKey(baseURL: baseURL)
                ExchangeAccessRegistry.install(ExchangeAccess(exchange: key, failureThreshold: 2, openDuration: 1), for: baseURL)
                var engineConfiguration = try TestConfiguration.service(.engine, database: url)
                engineConfiguration.mode = .live
                var settings = EngineFixture.settings(poll: .seconds(60))
                settings.reconcileInterval = .seconds(300)
                settings.restingStops.enabled = false
                let engineApp = try buildEngineApplication(configuration: engineConfiguration, settings: settings, exchange: L.connection(baseURL))
                try await engineApp.test(.live) { engine in
                    try await engine.waitUntilReady()
                    let port = try #require(engine.port)
                    var configuration = try TestConfiguration.service(.gateway, database: url)
                    configuration.mode = .live
                    configuration.serviceURLs[.engine] = "http://127.0.0.1:\(port)"
                    configuration.serviceURLs[.marketdata] = "http://127.0.0.1:9"
                    configuration.serviceURLs[.signals] = "http://127.0.0.1:9"
                    var gatewaySettings = GatewaySettings()
                    gatewaySettings.healthInterval = .milliseconds(100)
                    gatewaySettings.checkTimeout = .seconds(2)
                    gatewaySettings.watchdog.interval = .milliseconds(200)
                    gatewaySettings.watchdog.maxActions = maxActions
                    gatewaySettings.watchdog.window = .seconds(600)
                    // Market data is not running here: the watchdog must not halt trading for it during the test.
                    gatewaySettings.watchdog.maintenanceAfter = .seconds(3_600)
                    let (_, credential) = try await PostgresAPIKeyStore(client: postgres, logger: TestDatabase.logger).create(
                        name: "watchdog-viewer", role: .viewer)
                    let gatewayApp = try buildGatewayApplication(configuration: configuration, settings: gatewaySettings)
                    let client = BinanceRESTClient(baseURL: baseURL, httpClient: .shared, logger: TestDatabase.logger)
                    try await gatewayApp.test(.live) { gateway in
                        try await body(
                            exchange,
                            Running(
                                gateway: gateway, engine: engine, postgres: postgres, viewerKey: credential.presentation, breaker: "exchange:\(key)",
                                exchangeClient: client))
                    }
                }
            }
        }
    }

    static func json(_ client: any TestClientProtocol, _ uri: String, key: String) async throws -> [String: Any] {
        try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(key)"], body: nil) { response in
            (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
        }
    }

    static func engineBreakerState(_ system: Running) async throws -> String? {
        let health = try await json(system.gateway, "/health/detailed", key: system.viewerKey)
        let breakers = health["circuit_breakers"] as? [[String: Any]] ?? []
        return breakers.first { $0["service"] as? String == "engine" && $0["name"] as? String == system.breaker }?["state"] as? String
    }

    static func events(_ postgres: PostgresClient) async throws -> [(action: String, result: String)] {
        var events: [(String, String)] = []
        let rows = try await postgres.query("SELECT action, result FROM watchdog_events ORDER BY id", logger: TestDatabase.logger)
        for try await row in rows.decode((String, String).self) { events.append(row) }
        return events
    }

    static func waitUntil(_ what: String, seconds: Int = 30, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<(seconds * 10) {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for \(what)")
    }

    /// Fails the exchange's REST API and opens the breaker with real requests that fail.
    static func openBreaker(_ exchange: FakeExchange, _ system: Running) async throws {
        await exchange.failREST(status: 503)
        for _ in 0..<2 { _ = try? await system.exchangeClient.ping() }
        try await waitUntil("the gateway to see the engine's breaker open") { try await engineBreakerState(system) == "open" }
    }

    @Test("the engine's exchange breaker shows in /health/detailed; probed after each cool-down, closed by the watchdog once the exchange answers")
    func breakerRecovered() async throws {
        try await Self.withSystem(maxActions: 100) { exchange, system in
            #expect(try await Self.engineBreakerState(system) == "closed")
            try await Self.openBreaker(exchange, system)
            try await Self.waitUntil("a failed probe") { try await Self.events(system.postgres).contains { $0.result.hasPrefix("still open") } }
            #expect(try await Self.engineBreakerState(system) != "closed", "the exchange still fails: the probe re-opened the breaker")

            await exchange.restoreREST()
            try await Self.waitUntil("the watchdog to close the breaker") {
                try await Self.events(system.postgres).contains { $0.result == "closed: the dependency answered" }
            }
            #expect(try await Self.engineBreakerState(system) == "closed")
            let events = try await Self.events(system.postgres)
            #expect(events.allSatisfy { $0.action == "probe_breaker" }, "\(events)")
            #expect(events.last?.result == "closed: the dependency answered", "nothing after the recovery: \(events)")

            let view = try await Self.json(system.gateway, "/api/v1/watchdog", key: system.viewerKey)
            let recent = view["recent"] as? [[String: Any]] ?? []
            #expect(recent.first?["component"] as? String == "breaker:engine:\(system.breaker)")
            #expect(recent.first?["result"] as? String == "closed: the dependency answered")
            try await Self.waitUntil("the component back to ok") {
                let components = try await Self.json(system.gateway, "/api/v1/watchdog", key: system.viewerKey)["components"] as? [[String: Any]]
                return components?.first { $0["name"] as? String == "breaker:engine:\(system.breaker)" }?["state"] as? String == "ok"
            }
        }
    }

    @Test("an exchange that stays down: probes up to the limit, then one recovery-loop event, the alert's metric at 1, and no more probes")
    func lastingOutage() async throws {
        try await Self.withSystem(maxActions: 2) { exchange, system in
            try await Self.openBreaker(exchange, system)
            try await Self.waitUntil("the loop guard") { try await Self.events(system.postgres).contains { $0.action == "none" } }
            // Several more cool-downs pass: an endless loop would keep probing.
            try await Task.sleep(for: .seconds(3))
            let events = try await Self.events(system.postgres)
            #expect(events.map(\.action) == ["probe_breaker", "probe_breaker", "none"], "\(events)")
            #expect(events.last?.result.hasPrefix("recovery loop: 2 actions in the last 10 min") == true)
            let view = try await Self.json(system.gateway, "/api/v1/watchdog", key: system.viewerKey)
            #expect(view["recovery_loops"] as? [String] == ["breaker:engine:\(system.breaker)"])
            let metrics = try await system.gateway.execute(uri: "/metrics", method: .get, headers: [:], body: nil) { String(buffer: $0.body) }
            #expect(metrics.contains("keelson_watchdog_recovery_loop{component=\"breaker:engine:\(system.breaker)\"} 1"), "\(metrics.prefix(300))")
            #expect(metrics.contains("keelson_watchdog_actions_total{action=\"probe_breaker\",result=\"failed\"} 2"))
        }
    }

    @Test("the watchdog's maintenance lift never lifts an operator's maintenance")
    func liftsOnlyItsOwn() async throws {
        try await Self.withSystem(maxActions: 100) { _, system in
            let auth: HTTPFields = [.authorization: "Bearer \(TestConfiguration.tokens[0])", .contentType: "application/json"]
            func maintenance(_ body: String) async throws -> [String: Any] {
                try await system.engine.execute(uri: "/internal/v1/trading/maintenance", method: .post, headers: auth, body: ByteBuffer(string: body)) {
                    (try? JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any]) ?? [:]
                }
            }
            #expect(try await maintenance(#"{"enabled": true, "reason": "database upgrade"}"#)["changed"] as? Bool == true)
            let refused = try await maintenance(#"{"enabled": false, "reason": "watchdog: recovered", "only_if_reason_starts_with": "watchdog:"}"#)
            #expect(refused["changed"] as? Bool == false)
            #expect((refused["detail"] as? String)?.contains("it stays on") == true)
            #expect(try await maintenance(#"{"enabled": true, "reason": "ignored"}"#)["changed"] as? Bool == false)
            #expect(try await maintenance(#"{"enabled": false, "reason": "upgrade done"}"#)["changed"] as? Bool == true)
            #expect(try await maintenance(#"{"enabled": true, "reason": "watchdog: market data stale"}"#)["changed"] as? Bool == true)
            let lifted = try await maintenance(#"{"enabled": false, "reason": "watchdog: recovered", "only_if_reason_starts_with": "watchdog:"}"#)
            #expect(lifted["changed"] as? Bool == true)
        }
    }
}
