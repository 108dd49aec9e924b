import AsyncHTTPClient
import Foundation
import KeelsonFoundation
import KeelsonServiceKit
import KeelsonTestSupport
import Testing

/// `make run` runs each service under scripts/supervise.sh: a crash is not the end of the demo or of the evidence.
@Suite("make run's supervisor: restarts a crashed service, keeps its log")
struct SupervisorTests {
    static func healthy(_ port: Int) async -> Bool {
        guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"), timeout: .seconds(2))
        else { return false }
        return response.status == .ok
    }

    @Test("a service killed with SIGKILL is back within seconds, the restart recorded, its log appended not truncated; TERM stops both")
    func restartsAfterSIGKILL() async throws {
        try await TestDatabase.withMigratedDatabase { url, _ in
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-supervisor-\(UUID().uuidString)")
            let logs = scratch.appendingPathComponent("logs"), state = scratch.appendingPathComponent("state")
            defer { try? FileManager.default.removeItem(at: scratch) }
            let port = FreePort.next()
            let binary = try ChildProcess.binDirectory().appendingPathComponent("keelson-signals")
            let supervisor = try RunningProcess(
                starting: ProcessCommand(
                    URL(fileURLWithPath: "/bin/bash"), arguments: ["scripts/supervise.sh", "signals", binary.path],
                    environment: [
                        "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "DATABASE_URL": url.connectionString,
                        "KEELSON_INTERNAL_TOKENS": TestConfiguration.tokens.joined(separator: ","), "KEELSON_PORT": String(port),
                        "LOG_FORMAT": "json", "KEELSON_LOG_DIR": logs.path, "KEELSON_STATE_DIR": state.path,
                    ],
                    workingDirectory: ServiceProcess.packageRoot, standardOutput: .discard, standardError: .discard))
            defer { supervisor.signal(SIGKILL) }
            for _ in 0..<300 where !(await Self.healthy(port)) { try await Task.sleep(for: .milliseconds(100)) }
            #expect(await Self.healthy(port), "the service started under its supervisor")
            let pidFile = state.appendingPathComponent("signals.pid")
            let first = try #require(Int32(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
            let logFile = logs.appendingPathComponent("signals.log")
            let before = try String(contentsOf: logFile, encoding: .utf8)
            #expect(!before.isEmpty)

            kill(first, SIGKILL)
            var second: Int32?
            for _ in 0..<300 {
                try await Task.sleep(for: .milliseconds(100))
                let text = (try? String(contentsOf: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                if let pid = text.flatMap(Int32.init), pid != first, await Self.healthy(port) {
                    second = pid
                    break
                }
            }
            #expect(second != nil, "restarted within 30 s")
            let restarts = try String(contentsOf: logs.appendingPathComponent("supervisor.log"), encoding: .utf8)
                .split(separator: "\n")
            #expect(restarts.count == 1)
            #expect(restarts.first?.contains("keelson-signals was killed by signal 9 after") == true, Comment(rawValue: restarts.joined()))
            let after = try String(contentsOf: logFile, encoding: .utf8)
            #expect(after.hasPrefix(before), "the first run's log is kept: appended, not truncated")
            #expect(after.contains("restarting in 1 s"))

            supervisor.signal(SIGTERM)
            #expect(await supervisor.wait(timeout: .seconds(20)) != nil, "the supervisor ends after its service")
            if let second { #expect(kill(second, 0) != 0, "and the service is gone") }
        }
    }
}
