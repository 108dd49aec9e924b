import Foundation
import GatewayService
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import Testing

@Suite("Gateway admin actions")
struct GatewayAdminTests {
    @Test func disableHaltsTheEngineEnableResumesItEachWithExactlyOneAuditRow() async throws {
        try await GatewayHarness.run(services: [.engine]) { gateway in
            let operatorKey = try #require(gateway.keys[.operator])
            let disabled = try await gateway.request(
                .post, "/api/v1/admin/trading/disable", role: .operator, body: #"{"reason":"drill: kill switch"}"#)
            #expect(disabled.status == .ok, "\(disabled.text)")
            #expect(disabled.json["state"] as? String == "stopped")
            #expect(try await gateway.sessionState() == "stopped")
            var rows = try await gateway.auditRows(action: "trading.disable")
            #expect(rows.count == 1)
            #expect(rows.first?.keyID == operatorKey.id)
            #expect(rows.first?.reason == "drill: kill switch")
            #expect(rows.first?.outcome == "ok")
            #expect(rows.first?.source == "127.0.0.1")

            // Idempotent: a second disable changes nothing and says so.
            let again = try await gateway.request(.post, "/api/v1/admin/trading/disable", role: .operator, body: #"{"reason":"again"}"#)
            #expect(again.json["changed"] as? Bool == false)
            rows = try await gateway.auditRows(action: "trading.disable")
            #expect(rows.map(\.outcome) == ["ok", "unchanged"])

            let status = try await gateway.request(.get, "/api/v1/status", role: .viewer)
            #expect((status.json["trading"] as? [String: Any])?["state"] as? String == "stopped")
            #expect(status.json["trading_active"] as? Bool == false)

            let enabled = try await gateway.request(.post, "/api/v1/admin/trading/enable", role: .operator, body: #"{"reason":"drill over"}"#)
            #expect(enabled.status == .ok, "\(enabled.text)")
            #expect(try await gateway.sessionState() == "active")
            #expect(try await gateway.auditRows(action: "trading.enable").count == 1)
        }
    }

    @Test func maintenanceStopsEntriesAndOffResumesOnlyWhatItHalted() async throws {
        try await GatewayHarness.run(services: [.engine]) { gateway in
            let on = try await gateway.request(.post, "/api/v1/admin/maintenance", role: .operator, body: #"{"enabled":true,"reason":"upgrade"}"#)
            #expect(on.status == .ok)
            #expect(on.json["state"] as? String == "halted")
            var health = try await gateway.request(.get, "/health/detailed", role: .viewer)
            // A loaded machine can make a check miss its deadline; the next one sees the database.
            for _ in 0..<20 where (health.json["database"] as? [String: Any])?["reachable"] as? Bool != true {
                try await Task.sleep(for: .milliseconds(250))
                health = try await gateway.request(.get, "/health/detailed", role: .viewer)
            }
            #expect(health.json["status"] as? String == "degraded")
            #expect((health.json["trading"] as? [String: Any])?["maintenance"] as? Bool == true)
            let off = try await gateway.request(
                .post, "/api/v1/admin/maintenance", role: .operator, body: #"{"enabled":false,"reason":"upgrade done"}"#)
            #expect(off.json["state"] as? String == "active")

            // A halt that maintenance did not cause is not lifted by turning maintenance off.
            _ = try await gateway.request(.post, "/api/v1/admin/trading/stop-entries", role: .operator, body: #"{"reason":"risk review"}"#)
            let refused = try await gateway.request(.post, "/api/v1/admin/maintenance", role: .operator, body: #"{"enabled":false,"reason":"oops"}"#)
            #expect(refused.json["changed"] as? Bool == false)
            #expect(try await gateway.sessionState() == "halted")
            #expect(try await gateway.auditRows(action: "maintenance.on").count == 1)
            #expect(try await gateway.auditRows(action: "maintenance.off").map(\.outcome) == ["ok", "unchanged"])
        }
    }

    @Test func anActionOnAServiceThatIsDownFailsPromptlyAndIsAudited() async throws {
        try await GatewayHarness.inMemory() { gateway in
            let reply = try await gateway.request(.post, "/api/v1/admin/trading/disable", role: .admin, body: #"{"reason":"engine is down"}"#)
            #expect(reply.status == .serviceUnavailable || reply.status == .gatewayTimeout, "\(reply.status) \(reply.text)")
            #expect((reply.json["detail"] as? String)?.contains("keelson-engine") == true)
            let rows = try await gateway.auditRows(action: "trading.disable")
            #expect(rows.map(\.outcome) == ["failed"])
        }
    }

    @Test func apiKeysAreShownOnceStoredHashedAndRevokedAtOnce() async throws {
        try await GatewayHarness.run(services: []) { gateway in
            let created = try await gateway.request(.post, "/api/v1/admin/api-keys", role: .admin, body: #"{"name":"grafana","role":"viewer"}"#)
            #expect(created.status == .created)
            let secret = try #require(created.json["secret"] as? String)
            let id = try #require((created.json["key"] as? [String: Any])?["id"] as? String)
            #expect(APIKeyCredential(presented: secret)?.id == id)

            let list = try await gateway.request(.get, "/api/v1/admin/api-keys", role: .admin)
            #expect(!list.text.contains(String(secret.suffix(64))), "the secret must never be listed")
            let stored = try await gateway.strings("SELECT secret_hash FROM api_keys WHERE id = '\(id)'")
            #expect(stored.first?.contains(String(secret.suffix(64))) == false)
            #expect(stored.first?.count == 64)

            #expect(try await gateway.request(.get, "/api/v1/status", key: secret).status != .unauthorized)
            let revoked = try await gateway.request(.delete, "/api/v1/admin/api-keys/\(id)", role: .admin)
            #expect(revoked.status == .ok)
            #expect(try await gateway.request(.get, "/api/v1/status", key: secret).status == .unauthorized)
            #expect(try await gateway.auditRows(action: "apikey.create").count == 1)
            #expect(try await gateway.auditRows(action: "apikey.revoke").first?.keyID == gateway.keys[.admin]?.id)
        }
    }

    @Test func auditLogIsReadableByAdminsSinceATime() async throws {
        try await GatewayHarness.inMemory() { gateway in
            _ = try await gateway.request(.get, "/api/v1/status", key: "nonsense")
            let audit = try await gateway.request(.get, "/api/v1/admin/audit?since=2020-01-01T00:00:00Z&limit=5", role: .admin)
            let entries = try #require(audit.json["entries"] as? [[String: Any]])
            #expect(entries.first?["action"] as? String == "auth.failure")
            #expect(entries.first?["source_address"] as? String == "127.0.0.1")
            let future = try await gateway.request(.get, "/api/v1/admin/audit?since=2999-01-01", role: .admin)
            #expect((future.json["entries"] as? [Any])?.isEmpty == true)
        }
    }
}
