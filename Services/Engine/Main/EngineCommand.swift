import ArgumentParser
import EngineService
import KeelsonServiceKit

@main
struct EngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keelson-engine", abstract: "the core trading engine: sessions, risk, orders, positions.")

    @OptionGroup var options: ServiceOptions

    @Flag(help: "End the open trading session (it must have no open positions or orders) and start a new one.")
    var newSession = false

    @Flag(help: "When a new session starts, fund it with the last recorded cash instead of KEELSON_MAX_CAPITAL.")
    var resumeFromLastBalance = false

    func run() async throws {
        let newSession = newSession
        let resume = resumeFromLastBalance
        let status = await ServiceLauncher.run(.engine, flags: options.flags) { configuration, metrics in
            try buildEngineApplication(
                configuration: configuration,
                startOptions: EngineStartOptions(mode: configuration.mode, newSession: newSession, resumeFromLastBalance: resume),
                metrics: metrics
            )
        }
        if status != 0 { throw ExitCode(status) }
    }
}
