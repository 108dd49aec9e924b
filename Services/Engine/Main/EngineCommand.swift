import ArgumentParser
import EngineService
import KeelsonServiceKit

@main
struct EngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keelson-engine", abstract: "the core trading engine: sessions, risk, orders, positions.")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        let status = await ServiceLauncher.run(.engine, flags: options.flags) { configuration, metrics in
            buildEngineApplication(configuration: configuration, metrics: metrics)
        }
        if status != 0 { throw ExitCode(status) }
    }
}
