import Foundation
import GatewayService
import HTTPTypes
import KeelsonPersistence
import KeelsonServiceKit
import Testing

/// Every gateway route × every role: no key → 401, a role below the route's → 403, otherwise the service's answer.
@Suite("Gateway roles")
struct GatewayRoleTests {
    struct Route {
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        /// nil: open to anyone.
        var role: APIRole?
        var allowed: HTTPResponse.Status
        /// Open probes report the system, which a loaded machine can make miss a deadline: their 503 is an
        /// answer too. What this test checks is that they need no key.
        var alsoAllowed: HTTPResponse.Status? = nil
    }

    static let routes: [Route] = [
        Route(method: .get, path: "/ping", role: nil, allowed: .ok),
        Route(method: .get, path: "/health", role: nil, allowed: .ok, alsoAllowed: .serviceUnavailable),
        Route(method: .get, path: "/ready", role: nil, allowed: .ok, alsoAllowed: .serviceUnavailable),
        Route(method: .get, path: "/metrics", role: nil, allowed: .ok),
        Route(method: .get, path: "/api/openapi.yaml", role: nil, allowed: .ok),
        Route(method: .get, path: "/", role: nil, allowed: .ok),
        Route(method: .get, path: "/dashboard/positions", role: nil, allowed: .ok),
        Route(method: .get, path: "/dashboard/assets/dashboard.js", role: nil, allowed: .ok),
        Route(method: .get, path: "/api/v1/whoami", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/alerts", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/trading/equity?points=100", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/health/detailed", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/status", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/trading/session", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/trading/portfolio", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/trading/positions", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/trading/orders?limit=5&strategy=sma_fast", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/trading/trades?symbol=BTCUSDT&since=2024-01-01", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/trading/performance?period=monthly", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/trading/risk", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/trading/strategies", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/market/providers", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/market/symbols", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/market/candles?symbol=BTCUSDT&limit=5", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/signals?limit=5", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/models?limit=5", role: .viewer, allowed: .ok),
        Route(method: .get, path: "/api/v1/models/424242", role: .viewer, allowed: .notFound),
        Route(method: .post, path: "/api/v1/analyze", body: #"{"model":"no-such-model","symbol":"BTCUSDT"}"#, role: .viewer, allowed: .notFound),
        Route(method: .post, path: "/api/v1/admin/trading/stop-entries", body: #"{"reason":"role test"}"#, role: .operator, allowed: .ok),
        Route(method: .post, path: "/api/v1/admin/trading/disable", body: #"{"reason":"role test"}"#, role: .operator, allowed: .ok),
        Route(method: .post, path: "/api/v1/admin/trading/enable", body: #"{"reason":"role test"}"#, role: .operator, allowed: .ok),
        Route(method: .post, path: "/api/v1/admin/maintenance", body: #"{"enabled":true,"reason":"role test"}"#, role: .operator, allowed: .ok),
        Route(method: .post, path: "/api/v1/admin/trading/close-all-positions", body: #"{"reason":"role test"}"#, role: .admin, allowed: .ok),
        Route(method: .post, path: "/api/v1/admin/circuit-breakers/reset", body: #"{"reason":"role test"}"#, role: .admin, allowed: .ok),
        Route(method: .get, path: "/api/v1/admin/audit?limit=10", role: .admin, allowed: .ok),
        Route(method: .get, path: "/api/v1/admin/api-keys", role: .admin, allowed: .ok),
        Route(method: .post, path: "/api/v1/admin/api-keys", body: #"{"name":"made-in-test","role":"viewer"}"#, role: .admin, allowed: .created),
        Route(method: .delete, path: "/api/v1/admin/api-keys/0123456789ab", role: .admin, allowed: .notFound),
    ]

    @Test func eachRouteAndRoleGetsTheExpectedStatus() async throws {
        // Dozens of deliberate 401s from one address would trip the brute-force limit this test is not about.
        var settings = GatewayHarness.fastSettings
        settings.authFailureLimit = 10_000
        try await GatewayHarness.run(settings: settings) { gateway in
            for route in Self.routes {
                let anonymous = try await gateway.request(route.method, route.path, body: route.body)
                #expect(
                    anonymous.status == (route.role == nil ? route.allowed : .unauthorized) || anonymous.status == route.alsoAllowed,
                    "\(route.method) \(route.path) without a key: \(anonymous.status) \(anonymous.text)")
                if route.role != nil {
                    #expect(anonymous.json["error"] as? String == "unauthorized")
                }
                for role in APIRole.allCases {
                    let reply = try await gateway.request(route.method, route.path, role: role, body: route.body)
                    let expected: HTTPResponse.Status = (route.role.map { role >= $0 } ?? true) ? route.allowed : .forbidden
                    #expect(
                        reply.status == expected || reply.status == route.alsoAllowed,
                        "\(route.method) \(route.path) as \(role.rawValue): \(reply.status) \(reply.text.prefix(300))")
                    if expected == .forbidden {
                        #expect(reply.json["error"] as? String == "forbidden")
                        #expect((reply.json["detail"] as? String)?.contains("needs the \(route.role!.rawValue) role") == true)
                    }
                }
            }
        }
    }

    @Test func badInputGetsAFourHundredWithAMessage() async throws {
        try await GatewayHarness.run { gateway in
            let cases: [(HTTPRequest.Method, String, String?, HTTPResponse.Status, String)] = [
                (.get, "/api/v1/trading/performance?period=yearly", nil, .badRequest, "period=yearly"),
                (.get, "/api/v1/trading/trades?since=yesterday", nil, .badRequest, "since=yesterday"),
                (.get, "/api/v1/trading/trades?limit=0", nil, .badRequest, "limit=0"),
                (.get, "/api/v1/trading/orders?symbol=btc-usd", nil, .badRequest, "symbol"),
                (.get, "/api/v1/trading/orders?since=2024-02-01&until=2024-01-01", nil, .badRequest, "since must be before until"),
                (.get, "/api/v1/trading/trades?strategy=sma%20fast", nil, .badRequest, "strategy=sma fast is not a strategy instance id"),
                (.get, "/api/v1/trading/equity?points=1", nil, .badRequest, "points=1"),
                (.get, "/api/v1/trading/equity?since=2024-02-01&until=2024-01-01", nil, .badRequest, "since must be before until"),
                (.get, "/api/v1/market/candles", nil, .badRequest, "symbol is required"),
                (.get, "/api/v1/admin/audit?limit=5000", nil, .badRequest, "limit=5000"),
                (.post, "/api/v1/admin/trading/disable", "{}", .badRequest, "a reason is required"),
                (.post, "/api/v1/admin/trading/disable", "not json", .badRequest, "JSON"),
                (.post, "/api/v1/admin/maintenance", #"{"reason":"x"}"#, .badRequest, "enabled is required"),
                (.post, "/api/v1/admin/api-keys", #"{"name":"x","role":"root"}"#, .badRequest, "not a role"),
                (.post, "/api/v1/admin/api-keys", #"{"name":"","role":"viewer"}"#, .badRequest, "not allowed"),
                (.get, "/api/v1/no-such-route", nil, .notFound, "docs/openapi.yaml"),
            ]
            for (method, path, body, status, fragment) in cases {
                let reply = try await gateway.request(method, path, role: .admin, body: body)
                #expect(reply.status == status, "\(method) \(path): \(reply.status) \(reply.text)")
                #expect(reply.json["error"] is String, "\(path): \(reply.text)")
                #expect((reply.json["detail"] as? String)?.contains(fragment) == true, "\(path): \(reply.text)")
            }
        }
    }
}
