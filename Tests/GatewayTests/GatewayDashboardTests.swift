import Foundation
import GatewayService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KeelsonPersistence
import KeelsonServiceKit
import Testing

/// What the web dashboard stands on: its page and files with the browser security headers, the sign-in's whoami,
/// and the alerts it shows. The browser test (scripts/check-dashboard.sh) drives the page itself.
@Suite("Gateway dashboard")
struct GatewayDashboardTests {
    @Test func thePageAndItsFilesAreServedUnderAStrictContentSecurityPolicy() async throws {
        try await GatewayHarness.inMemory() { gateway in
            for path in ["/", "/dashboard", "/dashboard/overview", "/dashboard/trades"] {
                let page = try await gateway.request(.get, path)
                #expect(page.status == .ok, "\(path)")
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                let policy = try #require(page.headers[.contentSecurityPolicy])
                #expect(policy.contains("script-src 'self'") && policy.contains("style-src 'self'") && policy.contains("frame-ancestors 'none'"))
                #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
                #expect(page.headers[.xContentTypeOptions] == "nosniff")
                #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                // No inline script or style for the policy to refuse: every script is a file.
                #expect(page.text.components(separatedBy: "<script").count - 1 == page.text.components(separatedBy: "<script src=").count - 1)
                #expect(!page.text.contains("style=") && !page.text.contains("<style"))
            }
            for (name, type) in [
                ("dashboard.js", "text/javascript"), ("chart.js", "text/javascript"), ("dashboard.css", "text/css"), ("chart.css", "text/css"),
            ] {
                let asset = try await gateway.request(.get, "/dashboard/assets/\(name)")
                #expect(asset.status == .ok && asset.headers[.contentType]?.hasPrefix(type) == true, "\(name)")
                #expect(asset.headers[.cacheControl] == "no-cache")
                #expect(!asset.text.isEmpty)
            }
            let view = try await gateway.request(.get, "/dashboard/nope")
            #expect(view.status == .notFound && (view.json["detail"] as? String)?.contains("the views are overview") == true)
            let asset = try await gateway.request(.get, "/dashboard/assets/secrets.txt")
            #expect(asset.status == .notFound && asset.json["error"] as? String == "not_found")
            // The JSON API carries the same headers.
            let ping = try await gateway.request(.get, "/ping")
            #expect(ping.headers[.contentSecurityPolicy] != nil && ping.headers[.xContentTypeOptions] == "nosniff")
        }
    }

    @Test func whoamiNamesTheKeyAndItsRoleAndAWrongKeyIsRefusedAndAudited() async throws {
        try await GatewayHarness.inMemory() { gateway in
            for role in APIRole.allCases {
                let reply = try await gateway.request(.get, "/api/v1/whoami", role: role)
                #expect(reply.status == .ok)
                #expect(reply.json["role"] as? String == role.rawValue)
                #expect(reply.json["name"] as? String == "test-\(role.rawValue)")
                #expect(reply.json["key_id"] as? String == gateway.keys[role]?.id)
            }
            let wrong = try await gateway.request(.get, "/api/v1/whoami", key: "kk_0123456789ab_" + String(repeating: "0", count: 64))
            #expect(wrong.status == .unauthorized)
            #expect((wrong.json["detail"] as? String)?.contains("is not valid") == true)
            let failures = try await gateway.auditRows(action: "auth.failure")
            #expect(failures.count == 1 && failures.first?.keyID == "0123456789ab")
            // Guessing keys at the sign-in meets the failed-authentication limit like any other route.
            for _ in 1..<GatewayHarness.fastSettings.authFailureLimit {
                _ = try await gateway.request(.get, "/api/v1/whoami", key: "kk_0123456789ab_" + String(repeating: "1", count: 64))
            }
            let limited = try await gateway.request(.get, "/api/v1/whoami", role: .viewer)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
        }
    }

    @Test func withoutAlertmanagerTheAlertsAreTheEnginesRiskEventsAsWritten() async throws {
        try await GatewayHarness.run(services: [.engine]) { gateway in
            let reason = "<script>alert(1)</script> drill"
            let disabled = try await gateway.request(
                .post, "/api/v1/admin/trading/disable", role: .operator, body: #"{"reason": "<script>alert(1)</script> drill"}"#)
            #expect(disabled.status == .ok)
            let reply = try await gateway.request(.get, "/api/v1/alerts", role: .viewer)
            #expect(reply.status == .ok)
            #expect(reply.json["source"] as? String == "risk_events")
            #expect(reply.json["error"] == nil)
            let alerts = try #require(reply.json["alerts"] as? [[String: Any]])
            #expect(alerts.first?["name"] as? String == "operator_halt")
            #expect((alerts.first?["summary"] as? String)?.contains(reason) == true, "the text as written; the page escapes it")
        }
    }

    @Test func withAlertmanagerTheAlertsAreItsActiveOnesAndAnAlertmanagerThatIsDownIsSaid() async throws {
        let router = Router()
        router.get("api/v2/alerts") { request, _ -> Response in
            // The gateway asks for firing alerts only.
            guard request.uri.query == "active=true&silenced=false&inhibited=false" else { return Response(status: .badRequest) }
            let body = """
                [{"labels": {"alertname": "KeelsonMarketDataStale", "severity": "critical"},
                  "annotations": {"summary": "No candles stored for 5 minutes"}, "startsAt": "2024-01-31T09:30:00.123Z",
                  "status": {"state": "active"}}]
                """
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        let alertmanager = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await alertmanager.test(.live) { client in
            var settings = GatewayHarness.fastSettings
            settings.alertmanagerURL = "http://127.0.0.1:\(try #require(client.port))"
            try await GatewayHarness.inMemory(settings: settings) { gateway in
                let reply = try await gateway.request(.get, "/api/v1/alerts", role: .viewer)
                #expect(reply.status == .ok)
                #expect(reply.json["source"] as? String == "alertmanager")
                let alerts = try #require(reply.json["alerts"] as? [[String: Any]])
                #expect(alerts.count == 1)
                #expect(alerts.first?["name"] as? String == "KeelsonMarketDataStale")
                #expect(alerts.first?["severity"] as? String == "critical")
                #expect(alerts.first?["summary"] as? String == "No candles stored for 5 minutes")
                #expect(alerts.first?["since"] as? String == "2024-01-31T09:30:00Z")
            }
        }
        var settings = GatewayHarness.fastSettings
        settings.alertmanagerURL = "http://127.0.0.1:9"
        try await GatewayHarness.run(services: [.engine], settings: settings) { gateway in
            let reply = try await gateway.request(.get, "/api/v1/alerts", role: .viewer)
            #expect(reply.status == .ok)
            #expect(reply.json["source"] as? String == "risk_events")
            #expect((reply.json["error"] as? String)?.hasPrefix("Alertmanager at http://127.0.0.1:9 did not answer") == true)
        }
    }

    @Test func settingsRefuseAnAlertmanagerURLThatIsNotOne() throws {
        #expect(throws: ConfigurationError.self) {
            try GatewaySettings.load(environment: EnvironmentReader(["KEELSON_ALERTMANAGER_URL": "alertmanager:9093"]))
        }
        let settings = try GatewaySettings.load(environment: EnvironmentReader(["KEELSON_ALERTMANAGER_URL": "http://alertmanager:9093/"]))
        #expect(settings.alertmanagerURL == "http://alertmanager:9093")
    }
}
