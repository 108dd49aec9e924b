import Foundation
import GatewayService
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import Testing

@Suite("Gateway health")
struct GatewayHealthTests {
    @Test func withEverythingUpHealthIsHealthyAndStatusSaysTradingIsActive() async throws {
        try await GatewayHarness.run { gateway in
            // The first check can run while the gateway's own pool still connects (and a loaded test run can make a
            // part miss its deadline); with everything up, a later one is not unhealthy.
            var health = try await gateway.request(.get, "/health")
            for _ in 0..<40 where health.status != .ok {
                try await Task.sleep(for: .milliseconds(250))
                health = try await gateway.request(.get, "/health")
            }
            #expect(health.status == .ok)
            #expect(["healthy", "degraded"].contains(health.json["status"] as? String), "\(health.text)")
            #expect(health.json["version"] is String)
            #expect(health.json["uptime_seconds"] is Double)
            // Under a loaded test run a check can miss its deadline; the parts are up, so a later check sees them.
            var detailed = try await gateway.request(.get, "/health/detailed", role: .viewer)
            for _ in 0..<30 where (detailed.json["services"] as? [[String: Any]])?.allSatisfy({ $0["ready"] as? Bool == true }) != true {
                try await Task.sleep(for: .milliseconds(500))
                detailed = try await gateway.request(.get, "/health/detailed", role: .viewer)
            }
            let services = try #require(detailed.json["services"] as? [[String: Any]])
            #expect(Set(services.compactMap { $0["service"] as? String }) == ["engine", "marketdata", "signals"])
            #expect(
                services.allSatisfy { $0["reachable"] as? Bool == true && $0["ready"] as? Bool == true && $0["latency_ms"] is Double },
                "\(detailed.text)")
            #expect(services.first { $0["service"] as? String == "engine" }?["role"] as? String == "leader")
            let database = try #require(detailed.json["database"] as? [String: Any])
            #expect(database["reachable"] as? Bool == true)
            #expect(database["schema_version"] as? Int == MigrationCatalog.latestVersion)
            let breakers = try #require(detailed.json["circuit_breakers"] as? [[String: Any]])
            #expect(breakers.first?["state"] as? String == "closed")
            let status = try await gateway.request(.get, "/api/v1/status", role: .viewer)
            #expect(status.json["trading_active"] as? Bool == true)
            #expect(status.json["strategies_running"] as? Int ?? 0 > 0)
        }
    }

    @Test func withTheEngineStoppedHealthSaysUnhealthyPromptlyAndNamesIt() async throws {
        try await GatewayHarness.run { gateway in
            try await gateway.services[.engine]?.stop()
            let started = ContinuousClock.now
            var health = try await gateway.request(.get, "/health")
            func namesTheEngine(_ reply: GatewayHarness.Reply) -> Bool {
                (reply.json["reasons"] as? [String])?.contains { $0.contains("keelson-engine is unreachable") } == true
            }
            while !(health.json["status"] as? String == "unhealthy" && namesTheEngine(health)), ContinuousClock.now - started < .seconds(20) {
                try await Task.sleep(for: .milliseconds(100))
                health = try await gateway.request(.get, "/health")
            }
            #expect(health.status == .serviceUnavailable)
            #expect(health.json["status"] as? String == "unhealthy")
            #expect(namesTheEngine(health), "\(health.text)")
            let detailed = try await gateway.request(.get, "/health/detailed", role: .viewer)
            #expect(detailed.status == .serviceUnavailable)
            let engine = (detailed.json["services"] as? [[String: Any]])?.first { $0["service"] as? String == "engine" }
            #expect(engine?["reachable"] as? Bool == false)
            #expect(engine?["reason"] is String)
            // Reads the engine serves answer at once with what is wrong.
            let portfolio = try await gateway.request(.get, "/api/v1/trading/portfolio", role: .viewer)
            #expect(portfolio.status == .serviceUnavailable || portfolio.status == .gatewayTimeout)
            #expect((portfolio.json["detail"] as? String)?.contains("keelson-engine") == true)
        }
    }
}

@Suite("Gateway backup freshness")
struct GatewayBackupFreshnessTests {
    @Test func theNewestRecordedBackupIsInDetailedHealthAndMetrics() async throws {
        try await GatewayHarness.run(services: []) { gateway in
            let before = try await gateway.request(.get, "/metrics")
            #expect(before.text.contains("keelson_backup_last_success_timestamp_seconds 0.0"), "\(before.text.prefix(2000))")
            _ = try await gateway.postgres.query(
                """
                INSERT INTO backup_runs (dump_file, created_at, size_bytes, sha256, schema_version)
                VALUES ('keelson-20261123-030000.dump', '2026-11-23T03:00:00Z', 1024, 'ab', 6)
                """, logger: TestDatabase.logger
            )
            let detailed = try await gateway.request(.get, "/health/detailed", role: .viewer)
            #expect((detailed.json["database"] as? [String: Any])?["last_backup_at"] as? String == "2026-11-23T03:00:00Z", "\(detailed.text)")
            let after = try await gateway.request(.get, "/metrics")
            #expect(after.text.contains("keelson_backup_last_success_timestamp_seconds 1795402800.0"), "\(after.text.prefix(3000))")
            #expect(after.text.contains("keelson_backup_size_bytes 1024.0"))
            #expect(after.text.contains("keelson_backup_count 0.0"), "taken more than 7 days ago")
            #expect(after.text.contains("keelson_backup_offsite_last_success_timestamp_seconds 0.0"), "never copied off-site")
            // The database's size, registered by the first check that reached it (never a 0 that would read as growth).
            // The background check may have run already; either way the gauge is never 0.
            let early = before.text.split(separator: "\n").first { $0.hasPrefix("keelson_database_size_bytes ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
            #expect(early.map { $0 > 1_000_000 } ?? true, "not 0 before the first check: \(before.text.prefix(2000))")
            let size = try await gateway.postgres.query("SELECT pg_database_size(current_database())", logger: TestDatabase.logger)
                .collect().first?.decode(Int64.self) ?? 0
            let exported = after.text.split(separator: "\n").first { $0.hasPrefix("keelson_database_size_bytes ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
            #expect(exported.map { $0 > 1_000_000 && abs($0 - Double(size)) < Double(size) * 0.5 } == true, "\(String(describing: exported)) vs \(size)")
        }
    }
}
