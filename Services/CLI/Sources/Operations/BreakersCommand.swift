import ArgumentParser
import Foundation

/// `keelson breakers`: the circuit breakers as the gateway's health sees them; `reset` closes the market data
/// provider's now (admin key), after the cause is fixed, instead of waiting for the open period to end.
struct BreakersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breakers", abstract: "Circuit breakers and their state; `reset` closes the market data provider's (admin).",
        subcommands: [BreakersListCommand.self, BreakersResetCommand.self], defaultSubcommand: BreakersListCommand.self)
}

struct BreakersListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every circuit breaker and its state.")
    @OptionGroup var gateway: GatewayOptions
    @Flag(help: "Print the breakers as JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let reply = try await gateway.connect().send(.GET, "/health/detailed")
            // 503 carries the same body: an unhealthy system still reports its breakers.
            if reply.status != 503 { try GatewayConnection.requireSuccess(reply, path: "/health/detailed") }
            let breakers = JSONOutput.object(reply.body)["circuit_breakers"] as? [[String: Any]] ?? []
            if json {
                let data = try JSONSerialization.data(withJSONObject: breakers, options: [.sortedKeys])
                return print(String(decoding: data, as: UTF8.self))
            }
            if breakers.isEmpty { return print("no circuit breakers reported") }
            print(JSONOutput.table(breakers, columns: [("NAME", "name"), ("STATE", "state"), ("SERVICE", "service")]))
        }
    }
}

struct BreakersResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Close the market data provider's circuit breakers now (admin key); the reason goes to the audit log.")
    @OptionGroup var gateway: GatewayOptions
    @Option(help: "Why; recorded in the audit log.") var reason: String

    func validate() throws {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must say why") }
    }

    func run() async throws {
        try await reportingErrors {
            let path = "/api/v1/admin/circuit-breakers/reset"
            let connection = try gateway.connect()
            let reply = try await connection.send(.POST, path, body: ["reason": reason])
            try GatewayConnection.requireSuccess(reply, path: path)
            let breakers = JSONOutput.object(reply.body)["breakers"] as? [[String: Any]] ?? []
            if breakers.isEmpty { return print("no breaker to reset") }
            for breaker in breakers {
                print(
                    "\(JSONOutput.text(breaker["name"]) ?? "?"): \(JSONOutput.text(breaker["before"]) ?? "?") → \(JSONOutput.text(breaker["after"]) ?? "?")"
                )
            }
        }
    }
}
