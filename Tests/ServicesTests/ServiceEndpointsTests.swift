import EngineService
import Foundation
import GatewayService
import Hummingbird
import HummingbirdTesting
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import MarketDataService
import SignalsService
import Testing

/// Every service, built exactly as its executable builds it, against a real database.
@Suite("Each service starts and reports health, readiness and metrics")
struct ServiceEndpointsTests {
    struct ReadyBody: Decodable {
        var status: String
        var reason: String?
        var checks: [String: String]
    }

    struct HealthBody: Decodable {
        var status: String
        var service: String
        var mode: String
    }

    static func checkEndpoints(of app: some ApplicationProtocol, service: ServiceIdentity) async throws {
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                let body = try JSONDecoder().decode(HealthBody.self, from: response.body)
                #expect(body.service == service.rawValue)
                #expect(body.mode == "paper")
                if service == .gateway {
                    // The gateway's /health is the whole system's; alone here, it finds the engine unreachable.
                    #expect(response.status == .serviceUnavailable)
                    #expect(body.status == "unhealthy")
                } else {
                    #expect(response.status == .ok)
                    #expect(body.status == "ok")
                }
            }
            // The schema is migrated in the background at start-up; ready follows within moments.
            var ready: ReadyBody?
            for _ in 0..<200 {
                let (status, body) = try await client.execute(uri: "/ready", method: .get) { response in
                    (response.status, try JSONDecoder().decode(ReadyBody.self, from: response.body))
                }
                if status == .ok { ready = body; break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(ready?.status == "ready")
            #expect(ready?.checks["database"] == "ok")
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(PrometheusTextFormat.problems(in: text).isEmpty)
                #expect(text.contains("service=\"\(service.rawValue)\""))
            }
        }
    }

    @Test func gateway() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await Self.checkEndpoints(
                of: buildGatewayApplication(configuration: TestConfiguration.service(.gateway, database: url), settings: GatewaySettings()),
                service: .gateway)
        }
    }

    @Test func engine() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await Self.checkEndpoints(
                of: buildEngineApplication(configuration: TestConfiguration.service(.engine, database: url)), service: .engine)
        }
    }

    @Test func marketdata() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await Self.checkEndpoints(
                of: buildMarketDataApplication(configuration: TestConfiguration.service(.marketdata, database: url)), service: .marketdata)
        }
    }

    @Test func signals() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await Self.checkEndpoints(
                of: buildSignalsApplication(configuration: TestConfiguration.service(.signals, database: url)), service: .signals)
        }
    }

    @Test("/ready is 503 with a reason while the database is unreachable; /health stays 200")
    func notReadyWithoutDatabase() async throws {
        let app = try buildEngineApplication(configuration: TestConfiguration.service(.engine, database: TestConfiguration.unreachableDatabase()))
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try JSONDecoder().decode(ReadyBody.self, from: response.body)
                #expect(body.status == "not_ready")
                #expect(body.reason?.hasPrefix("database: ") == true)
                #expect(body.reason?.contains("refused") == true, Comment(rawValue: String(describing: body.reason ?? "")))
            }
        }
    }
}
