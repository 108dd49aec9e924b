import AsyncHTTPClient
import Foundation
import KeelsonFoundation
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTestSupport
import PostgresNIO
import Testing

/// `make run` runs each service under scripts/supervise.sh: a crash is not the end of the demo or of the evidence.
@Suite("make run's supervisor: restarts a crashed service, keeps its log, records the restart for the watchdog")
struct SupervisorTests {
    /// The gateway's /health is the whole system's verdict (503 with the other services down); its liveness is /ping.
    static func alive(_ service: String, _ port: Int) async -> Bool {
        let path = service == "gateway" ? "/ping" : "/health"
        guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(2))
        else { return false }
        return response.status == .ok
    }

    static func restarts(_ postgres: PostgresClient) async throws -> [(source: String, component: String, symptom: String, action: String)] {
        var rows: [(String, String, String, String)] = []
        let query = try await postgres.query("SELECT source, component, symptom, action FROM watchdog_events ORDER BY id", logger: TestDatabase.logger)
        for try await row in query.decode((String, String, String, String).self) { rows.append(row) }
        return rows
    }

    @Test(
        "kill -9 of a service: back within seconds, the restart in supervisor.log and as one watchdog_events row, its log appended not truncated; TERM stops both",
        arguments: ["gateway", "engine", "marketdata", "signals"])
    func restartsAfterSIGKILL(service: String) async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-supervisor-\(UUID().uuidString)")
            let logs = scratch.appendingPathComponent("logs"), state = scratch.appendingPathComponent("state")
            defer { try? FileManager.default.removeItem(at: scratch) }
            let port = FreePort.next()
            let bin = try ChildProcess.binDirectory()
            let (_, viewer) = try await PostgresAPIKeyStore(client: postgres, logger: TestDatabase.logger).create(name: "supervisor-viewer", role: .viewer)
            let supervisor = try RunningProcess(
                starting: ProcessCommand(
                    URL(fileURLWithPath: "/bin/bash"), arguments: ["scripts/supervise.sh", service, bin.appendingPathComponent("keelson-\(service)").path],
                    environment: [
                        "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "DATABASE_URL": url.connectionString,
                        "KEELSON_INTERNAL_TOKENS": TestConfiguration.tokens.joined(separator: ","), "KEELSON_PORT": String(port),
                        "LOG_FORMAT": "json", "KEELSON_LOG_DIR": logs.path, "KEELSON_STATE_DIR": state.path, "KEELSON_CANDLE_SUBSCRIBERS": "none",
                        // Nothing listens at port 9: the gateway and the collector start without the others.
                        "KEELSON_ENGINE_URL": "http://127.0.0.1:9", "KEELSON_MARKETDATA_URL": "http://127.0.0.1:9",
                        "KEELSON_SIGNALS_URL": "http://127.0.0.1:9",
                    ],
                    workingDirectory: ServiceProcess.packageRoot, standardOutput: .discard, standardError: .discard))
            defer { supervisor.signal(SIGKILL) }
            for _ in 0..<300 where !(await Self.alive(service, port)) { try await Task.sleep(for: .milliseconds(100)) }
            #expect(await Self.alive(service, port), "the service started under its supervisor")
            let pidFile = state.appendingPathComponent("\(service).pid")
            let first = try #require(Int32(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
            let logFile = logs.appendingPathComponent("\(service).log")
            let before = try String(contentsOf: logFile, encoding: .utf8)
            #expect(!before.isEmpty)

            kill(first, SIGKILL)
            var second: Int32?
            for _ in 0..<300 {
                try await Task.sleep(for: .milliseconds(100))
                let text = (try? String(contentsOf: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                if let pid = text.flatMap(Int32.init), pid != first, await Self.alive(service, port) {
                    second = pid
                    break
                }
            }
            #expect(second != nil, "restarted within 30 s")
            let restarts = try String(contentsOf: logs.appendingPathComponent("supervisor.log"), encoding: .utf8)
                .split(separator: "\n")
            #expect(restarts.count == 1)
            #expect(restarts.first?.contains("keelson-\(service) was killed by signal 9 after") == true, Comment(rawValue: restarts.joined()))
            let after = try String(contentsOf: logFile, encoding: .utf8)
            #expect(after.hasPrefix(before), "the first run's log is kept: appended, not truncated")
            #expect(after.contains("restarting in 1 s"))

            for _ in 0..<200 where try await Self.restarts(postgres).isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            let recorded = try await Self.restarts(postgres)
            #expect(recorded.count == 1, "one row per restart: \(recorded)")
            #expect(recorded.first?.source == "supervisor" && recorded.first?.component == service && recorded.first?.action == "restart")
            #expect(recorded.first?.symptom.hasPrefix("was killed by signal 9 after") == true)
            if service == "gateway" {
                // The restarted gateway shows its own restart.
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/watchdog")
                request.headers.add(name: "Authorization", value: "Bearer \(viewer.presentation)")
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                let body = try await response.body.collect(upTo: 1 << 20)
                let view = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
                let recent = view?["recent"] as? [[String: Any]] ?? []
                #expect(response.status == .ok)
                #expect(recent.first?["component"] as? String == "gateway" && recent.first?["source"] as? String == "supervisor", "\(recent)")
            }

            supervisor.signal(SIGTERM)
            #expect(await supervisor.wait(timeout: .seconds(20)) != nil, "the supervisor ends after its service")
            if let second { #expect(kill(second, 0) != 0, "and the service is gone") }
        }
    }
}
