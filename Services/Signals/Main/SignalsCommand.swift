import ArgumentParser
import KeelsonServiceKit
import SignalsService

@main
struct SignalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keelson-signals", abstract: "the analysis and signal service: indicators and strategies.")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        let status = await ServiceLauncher.run(.signals, flags: options.flags) { configuration, metrics in
            try buildSignalsApplication(configuration: configuration, metrics: metrics)
        }
        if status != 0 { throw ExitCode(status) }
    }
}
