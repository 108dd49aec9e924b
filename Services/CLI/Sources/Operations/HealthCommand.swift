import ArgumentParser
import AsyncHTTPClient
import Foundation
import KeelsonServiceKit
import NIOCore

/// `keelson health`: every part of the system with its reason, as the gateway sees it (`/health/detailed`), or —
/// with `--direct`, when the gateway itself may be down — each service's own `/health` and `/ready`, no key needed.
/// Exit codes scripts can test: 0 healthy (every service ready), 1 degraded (some not ready), 2 unhealthy,
/// 3 gateway unreachable, 4 API key refused.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract:
            "Each service (reachable, ready, role, reason), PostgreSQL, trading, market data, circuit breakers. Exit 0 healthy, 1 degraded, 2 unhealthy."
    )

    @OptionGroup var gateway: GatewayOptions
    @Flag(help: "Ask each service itself (no gateway, no key).") var direct = false
    @Flag(help: "Print JSON for scripts.") var json = false

    struct ServiceStatus: Codable {
        var service: String
        var url: String
        var alive: Bool
        var ready: Bool
        var detail: String
    }

    func run() async throws {
        var exitCode: Int32 = 0
        try await reportingErrors {
            exitCode = direct ? try await runDirect() : try await runThroughGateway()
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }

    private func runThroughGateway() async throws(CLIError) -> Int32 {
        let reply = try await gateway.connect().send(.GET, "/health/detailed")
        // 503 carries the same body: unhealthy is an answer, not a failure to get one.
        if reply.status != 503 { try GatewayConnection.requireSuccess(reply, path: "/health/detailed") }
        if json { JSONOutput.printRaw(reply.body) } else { Self.render(JSONOutput.object(reply.body)) }
        return Self.exitCode(forVerdict: JSONOutput.object(reply.body)["status"] as? String)
    }

    /// 0 healthy, 1 degraded, 2 unhealthy (or no verdict): what `keelson status` and `keelson health` exit with.
    static func exitCode(forVerdict verdict: String?) -> Int32 {
        switch verdict {
        case "healthy": 0
        case "degraded": 1
        default: 2
        }
    }

    static func render(_ health: [String: Any]) {
        let status = JSONOutput.text(health["status"]) ?? "unknown"
        print("system \(status)")
        for reason in health["reasons"] as? [String] ?? [] { print("  - \(reason)") }
        for service in health["services"] as? [[String: Any]] ?? [] {
            let ready = service["ready"] as? Bool == true
            let reachable = service["reachable"] as? Bool == true
            let state = ready ? "ready" : reachable ? "not ready" : "unreachable"
            let role = JSONOutput.text(service["role"]).map { ", \($0)" } ?? ""
            let latency = (service["latency_ms"] as? Double).map { String(format: ", %.0f ms", $0) } ?? ""
            let reason = JSONOutput.text(service["reason"]).map { ": \($0)" } ?? ""
            print("\(ready ? "✔" : "✘") keelson-\(JSONOutput.text(service["service"]) ?? "?")  \(state)\(role)\(latency)\(reason)")
        }
        if let database = health["database"] as? [String: Any] {
            let reachable = database["reachable"] as? Bool == true
            let detail =
                reachable
                ? "schema \(JSONOutput.text(database["schema_version"]) ?? "not migrated")" : JSONOutput.text(database["reason"]) ?? "unreachable"
            print("\(reachable ? "✔" : "✘") postgresql  \(detail)")
        }
        if let trading = health["trading"] as? [String: Any] {
            let state = JSONOutput.text(trading["state"]) ?? "no session"
            let reason = state == "active" ? "" : JSONOutput.text(trading["reason"]).map { ": \($0)" } ?? ""
            print("\(state == "active" ? "✔" : "✘") trading     \(state)\(reason)")
        }
        if let market = health["market_data"] as? [String: Any] {
            let stale = market["stale"] as? Bool == true
            let age = (market["age_seconds"] as? Double).map { String(format: "last candle stored %.0f s ago", $0) } ?? "nothing stored yet"
            print(
                "\(stale ? "✘" : "✔") market data \(JSONOutput.text(market["provider"]) ?? "?") \(JSONOutput.text(market["provider_status"]) ?? ""), \(age)"
            )
        }
        for breaker in health["circuit_breakers"] as? [[String: Any]] ?? [] {
            let state = JSONOutput.text(breaker["state"]) ?? "?"
            print("\(state == "closed" ? "✔" : "✘") breaker     \(JSONOutput.text(breaker["name"]) ?? "?") \(state)")
        }
    }

    private func runDirect() async throws(CLIError) -> Int32 {
        let urls: ServiceURLs
        do {
            urls = try ServiceURLs.load(from: EnvironmentReader())
        } catch {
            throw CLIError(error.description)
        }
        let client = HTTPClient.shared
        let limit = TimeAmount.seconds(Int64(gateway.timeout))
        let statuses = await withTaskGroup(of: ServiceStatus.self) { group in
            for service in ServiceIdentity.allCases {
                group.addTask { await Self.probe(service, baseURL: urls[service], client: client, timeout: limit) }
            }
            var result: [ServiceStatus] = []
            for await status in group { result.append(status) }
            return result.sorted { $0.service < $1.service }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: (try? encoder.encode(statuses)) ?? Data(), as: UTF8.self))
        } else {
            for status in statuses {
                let mark = status.ready ? "✔" : "✘"
                print(
                    "\(mark) \(status.service.padding(toLength: 11, withPad: " ", startingAt: 0)) \(status.url.padding(toLength: 24, withPad: " ", startingAt: 0)) \(status.detail)"
                )
            }
        }
        return statuses.allSatisfy(\.ready) ? 0 : 1
    }

    static func probe(_ service: ServiceIdentity, baseURL: String, client: HTTPClient, timeout: TimeAmount) async -> ServiceStatus {
        var status = ServiceStatus(service: service.rawValue, url: baseURL, alive: false, ready: false, detail: "")
        do {
            // The gateway's /health is the whole system's verdict; its own liveness is /ping.
            let liveness = service == .gateway ? "/ping" : "/health"
            let health = try await client.execute(HTTPClientRequest(url: baseURL + liveness), timeout: timeout)
            _ = try await health.body.collect(upTo: 1 << 20)
            status.alive = health.status == .ok
            let ready = try await client.execute(HTTPClientRequest(url: baseURL + "/ready"), timeout: timeout)
            let body = try await ready.body.collect(upTo: 1 << 20)
            status.ready = ready.status == .ok
            if status.ready {
                status.detail = "healthy, ready"
            } else {
                let reason = (try? JSONDecoder().decode(ReadyAnswer.self, from: body))?.reason ?? "HTTP \(ready.status.code)"
                status.detail = "alive, not ready: \(reason)"
            }
        } catch {
            status.detail = "unreachable: \(Self.describe(error))"
        }
        return status
    }

    struct ReadyAnswer: Decodable {
        var reason: String?
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError, error == .deadlineExceeded { return "no answer in time" }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused (is it running? `make run`)" }
        return text
    }
}
