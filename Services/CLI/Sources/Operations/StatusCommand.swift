import ArgumentParser
import Foundation

/// `keelson status`: what an on-call engineer asks first — is it trading, and if not why; strategies; market data;
/// the last trade — from the gateway's `/api/v1/status`. Exit codes as `keelson health`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Trading active or halted and why, strategies running, market data, last trade, uptime. Exit 0 healthy, 1 degraded, 2 unhealthy."
    )

    @OptionGroup var gateway: GatewayOptions
    @Flag(help: "Print JSON for scripts.") var json = false

    func run() async throws {
        var exitCode: Int32 = 0
        try await reportingErrors {
            let reply = try await gateway.connect().get("/api/v1/status")
            let status = JSONOutput.object(reply.body)
            if json {
                JSONOutput.printRaw(reply.body)
            } else {
                Self.render(status)
            }
            exitCode = HealthCommand.exitCode(forVerdict: status["status"] as? String)
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }

    static func render(_ status: [String: Any]) {
        let trading = status["trading"] as? [String: Any] ?? [:]
        let state = JSONOutput.text(trading["state"]) ?? "no session"
        // The reason of an active session is why it was last resumed; only a halt's reason says something now.
        let reason = state == "active" ? "" : JSONOutput.text(trading["reason"]).map { ": \($0)" } ?? ""
        print("system      \(JSONOutput.text(status["status"]) ?? "unknown") (`keelson health` says why)")
        print("trading     \(state)\(reason)\(trading["maintenance"] as? Bool == true ? " [maintenance]" : "")")
        let strategies = (status["strategies"] as? [String])?.joined(separator: ", ") ?? "unknown (keelson-signals did not answer)"
        print("strategies  \(JSONOutput.text(status["strategies_running"]) ?? "?") running: \(strategies)")
        let market = status["market_data"] as? [String: Any] ?? [:]
        let connected = market["connected"] as? Bool == true
        let age = (market["age_seconds"] as? Double).map { String(format: ", last candle stored %.0f s ago", $0) } ?? ""
        print("market data \(connected ? "connected" : "not connected")\(age)\(market["stale"] as? Bool == true ? " (stale)" : "")")
        print("last trade  \(JSONOutput.text(status["last_trade_time"]) ?? "none yet")")
        if let uptime = status["uptime_seconds"] as? Double { print(String(format: "uptime      %.0f s (gateway)", uptime)) }
    }
}
