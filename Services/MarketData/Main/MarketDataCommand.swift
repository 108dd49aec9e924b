import ArgumentParser
import KeelsonServiceKit
import MarketDataService

@main
struct MarketDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keelson-marketdata", abstract: "the market-data collector: providers, candle store, push of closed candles.")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        let status = await ServiceLauncher.run(.marketdata, flags: options.flags) { configuration, metrics in
            try buildMarketDataApplication(configuration: configuration, metrics: metrics)
        }
        if status != 0 { throw ExitCode(status) }
    }
}
