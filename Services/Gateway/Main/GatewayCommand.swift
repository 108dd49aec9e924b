import ArgumentParser
import GatewayService
import KeelsonServiceKit

@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keelson-gateway", abstract: "the public REST API for dashboards and operators.")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        let status = await ServiceLauncher.run(.gateway, flags: options.flags) { configuration, metrics in
            try buildGatewayApplication(configuration: configuration, metrics: metrics)
        }
        if status != 0 { throw ExitCode(status) }
    }
}
