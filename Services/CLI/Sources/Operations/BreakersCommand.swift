import ArgumentParser
import Foundation

/// `keelson breakers`: the circuit breakers as the gateway's health sees them — the collector's and, in live mode, the
/// engine's exchange breaker; `reset [NAME]` closes them now (admin key), after the cause is fixed, instead of waiting
/// for the open period to end.
struct BreakersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breakers", abstract: "Circuit breakers (market data's and the engine's) and their state; `reset [NAME]` closes them (admin).",
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
        abstract: "Close circuit breakers now, every one or the one named (admin key); the reason goes to the audit log.")
    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "The breaker's name as `keelson breakers` shows it, e.g. exchange:api.binance.com:443; every breaker when left out.")
    var name: String?
    @Option(help: "Why; recorded in the audit log.") var reason: String

    func validate() throws {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must say why") }
    }

    func run() async throws {
        try await reportingErrors {
            let path = "/api/v1/admin/circuit-breakers/reset"
            let connection = try gateway.connect()
            var body = ["reason": reason]
            if let name { body["name"] = name }
            let reply = try await connection.send(.POST, path, body: body)
            try GatewayConnection.requireSuccess(reply, path: path)
            let answer = JSONOutput.object(reply.body)
            let breakers = answer["breakers"] as? [[String: Any]] ?? []
            for breaker in breakers {
                let owner = JSONOutput.text(breaker["service"]).map { "keelson-\($0) " } ?? ""
                print(
                    "\(owner)\(JSONOutput.text(breaker["name"]) ?? "?"): \(JSONOutput.text(breaker["before"]) ?? "?") → \(JSONOutput.text(breaker["after"]) ?? "?")"
                )
            }
            let unreachable = answer["unreachable"] as? [String: Any] ?? [:]
            for (service, why) in unreachable.sorted(by: { $0.key < $1.key }) {
                print("keelson-\(service) could not be asked: \(JSONOutput.text(why) ?? "?"); its breakers are unchanged")
            }
            if breakers.isEmpty, unreachable.isEmpty { print("no breaker to reset") }
            if !unreachable.isEmpty { throw ExitCode(1) }
        }
    }
}
