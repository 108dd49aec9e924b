import Foundation
import GatewayService
import HTTPTypes
import KeelsonPersistence
import KeelsonServiceKit
import Testing

@Suite("Gateway authentication")
struct GatewayAuthTests {
    @Test func repeatedFailuresFromOneAddressAreRateLimitedAndAudited() async throws {
        try await GatewayHarness.inMemory() { gateway in
            let wrong = "kk_000000000000_" + String(repeating: "0", count: 64)
            for _ in 0..<GatewayHarness.fastSettings.authFailureLimit {
                #expect(try await gateway.request(.get, "/api/v1/status", key: wrong).status == .unauthorized)
            }
            let limited = try await gateway.request(.get, "/api/v1/status", role: .admin)
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(limited.json["error"] as? String == "rate_limited")
            let failures = try await gateway.auditRows(action: "auth.failure")
            #expect(failures.count == GatewayHarness.fastSettings.authFailureLimit)
            #expect(failures.allSatisfy { $0.keyID == "000000000000" && $0.outcome == "denied" && $0.source == "127.0.0.1" })
            #expect(try await gateway.auditRows(action: "auth.rate_limited").count == 1)
            // Open routes stay open: probes must not be locked out by someone else's bad key.
            #expect(try await gateway.request(.get, "/health").status != .tooManyRequests)
        }
    }

    @Test func malformedMissingAndForbiddenAreDistinguished() async throws {
        try await GatewayHarness.inMemory() { gateway in
            let missing = try await gateway.request(.get, "/api/v1/status")
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.wwwAuthenticate] == "Bearer")
            #expect((missing.json["detail"] as? String)?.contains("keelson apikey create") == true)
            let malformed = try await gateway.request(.get, "/api/v1/status", key: "letmein")
            #expect((malformed.json["detail"] as? String)?.contains("malformed") == true)
            let viaHeader = try await gateway.request(.get, "/api/v1/status", headers: [HTTPField.Name("X-API-Key")!: gateway.keys[.viewer]!.secret])
            #expect(viaHeader.status == .ok)
            let forbidden = try await gateway.request(.get, "/api/v1/admin/audit", role: .operator)
            #expect(forbidden.status == .forbidden)
            let rows = try await gateway.auditRows(action: "auth.forbidden")
            #expect(rows.count == 1)
            #expect(rows.first?.keyID == gateway.keys[.operator]?.id)
        }
    }

    @Test func corsAnswersConfiguredOriginsOnly() async throws {
        var settings = GatewayHarness.fastSettings
        settings.corsOrigins = ["https://dash.example.com"]
        try await GatewayHarness.inMemory(settings: settings) { gateway in
            let preflight = try await gateway.request(
                .options, "/api/v1/trading/portfolio",
                headers: [.origin: "https://dash.example.com", .accessControlRequestMethod: "GET"]
            )
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://dash.example.com")
            #expect(preflight.headers[.accessControlAllowHeaders]?.lowercased().contains("authorization") == true)
            let allowed = try await gateway.request(.get, "/ping", headers: [.origin: "https://dash.example.com"])
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://dash.example.com")
            let other = try await gateway.request(.get, "/ping", headers: [.origin: "https://evil.example.com"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
            let otherPreflight = try await gateway.request(.options, "/api/v1/status", headers: [.origin: "https://evil.example.com"])
            #expect(otherPreflight.status == .forbidden)
            #expect((otherPreflight.json["detail"] as? String)?.contains("KEELSON_CORS_ORIGINS") == true)
        }
    }

    @Test func credentialsParseOnlyInTheirOwnForm() {
        let credential = APIKeyCredential.generate()
        #expect(APIKeyCredential(presented: credential.presentation) == credential)
        #expect(credential.matches(storedHash: credential.secretHash))
        #expect(!APIKeyCredential.generate().matches(storedHash: credential.secretHash))
        for bad in [
            "", "kk_", "kk_abc_def", "xx_\(credential.id)_\(credential.secret)", credential.presentation + "0",
            // Not hex: one character out of range (a random secret may have no letter to replace).
            "kk_\(credential.id)_g\(credential.secret.dropFirst())",
        ] {
            #expect(APIKeyCredential(presented: bad) == nil, "\(bad)")
        }
    }

    @Test func settingsRejectBadValuesWithTheVariableNamed() throws {
        #expect(throws: ConfigurationError.self) {
            try GatewaySettings.load(environment: EnvironmentReader(["KEELSON_CORS_ORIGINS": "dash.example.com"]))
        }
        #expect(throws: ConfigurationError.self) { try GatewaySettings.load(environment: EnvironmentReader(["KEELSON_AUTH_FAILURE_LIMIT": "0"])) }
        #expect(throws: ConfigurationError.self) {
            try GatewaySettings.load(environment: EnvironmentReader(["KEELSON_GATEWAY_CHECK_TIMEOUT_MS": "soon"]))
        }
        let settings = try GatewaySettings.load(
            environment: EnvironmentReader(["KEELSON_CORS_ORIGINS": "https://a.example.com/, http://localhost:3000"]))
        #expect(settings.corsOrigins == ["https://a.example.com", "http://localhost:3000"])
    }
}

@Suite("Gateway bootstrap key")
struct GatewayBootstrapKeyTests {
    @Test func theDeploymentsAdminKeyIsRegisteredAtStartAndWorks() async throws {
        var settings = GatewayHarness.fastSettings
        let credential = APIKeyCredential.generate()
        settings.bootstrapAdminKey = credential
        try await GatewayHarness.run(services: [], settings: settings) { gateway in
            var reply = try await gateway.request(.get, "/api/v1/admin/api-keys", key: credential.presentation)
            for _ in 0..<100 where reply.status != .ok {
                try await Task.sleep(for: .milliseconds(50))
                reply = try await gateway.request(.get, "/api/v1/admin/api-keys", key: credential.presentation)
            }
            #expect(reply.status == .ok, "\(reply.text)")
            let keys = try #require(reply.json["keys"] as? [[String: Any]])
            #expect(
                keys.contains {
                    $0["id"] as? String == credential.id && $0["role"] as? String == "admin" && $0["name"] as? String == "bootstrap-admin"
                })
        }
    }

    @Test func aMalformedBootstrapKeyStopsTheGatewayWithTheVariableNamed() {
        #expect(throws: ConfigurationError.self) {
            try GatewaySettings.load(environment: EnvironmentReader(["KEELSON_ADMIN_API_KEY": "0123456789abcdef"]))
        }
    }
}
