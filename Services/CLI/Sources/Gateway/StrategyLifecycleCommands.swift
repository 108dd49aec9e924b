import ArgumentParser
import Foundation

/// `keelson strategies promote|retire|disable|enable ID --reason`: one lifecycle move (operator key), audited, in
/// force on every signal replica within seconds and without a restart.
protocol StrategyLifecycleCommand: AsyncParsableCommand {
    static var action: String { get }
    var move: StrategyMoveOptions { get }
}

/// What every lifecycle move takes: the gateway, the instance and why.
struct StrategyMoveOptions: ParsableArguments {
    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "The instance id (keelson strategies list).") var id: String
    @Option(help: "Why; recorded with the lifecycle event and in the audit log.") var reason: String

    func validate() throws {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must say why") }
    }
}

extension StrategyLifecycleCommand {

    func run() async throws {
        try await reportingErrors {
            let path = "/api/v1/admin/strategies/\(move.id)/\(Self.action)"
            let reply = try await move.gateway.connect().send(.POST, path, body: ["reason": move.reason])
            try GatewayConnection.requireSuccess(reply, path: path)
            print(JSONOutput.text(JSONOutput.object(reply.body)["detail"]) ?? "\(move.id): \(Self.action) done")
        }
    }
}

struct StrategyPromoteCommand: StrategyLifecycleCommand {
    static let action = "promote"
    static let configuration = CommandConfiguration(
        commandName: action, abstract: "Make a candidate, probation or retired instance active (operator key).")
    @OptionGroup var move: StrategyMoveOptions
}

struct StrategyRetireCommand: StrategyLifecycleCommand {
    static let action = "retire"
    static let configuration = CommandConfiguration(
        commandName: action, abstract: "Stop an instance's new entries; its open positions still exit (operator key).")
    @OptionGroup var move: StrategyMoveOptions
}

struct StrategyDisableCommand: StrategyLifecycleCommand {
    static let action = "disable"
    static let configuration = CommandConfiguration(
        commandName: action, abstract: "Take an instance out of trading until enabled; open positions still exit (operator key).")
    @OptionGroup var move: StrategyMoveOptions
}

struct StrategyEnableCommand: StrategyLifecycleCommand {
    static let action = "enable"
    static let configuration = CommandConfiguration(commandName: action, abstract: "Undo a disable: the instance is active again (operator key).")
    @OptionGroup var move: StrategyMoveOptions
}
