import ArgumentParser
import Foundation
import KeelsonFakeExchange
import Logging

/// `keelson-fake-exchange` (also `keelson dev fake-exchange`): the fake Binance spot exchange (with Coinbase candles)
/// on a local port, for running the services or exchange code without the internet. Faults are injected through
/// `/fake/...`. A test double, so it is its own executable and not part of the `keelson` binary operators run.
@main
struct FakeExchangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keelson-fake-exchange",
        abstract: "Run a fake Binance spot exchange (REST, kline WebSockets, Coinbase candles) until ctrl-C."
    )
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8090
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Comma-separated symbols, e.g. BTCUSDT,ETHUSDT.") var symbols = "BTCUSDT"
    @Option(help: "Seed of the price series: the same seed gives the same bars.") var seed: UInt64 = 1
    @Option(help: "API key the exchange accepts (default: Binance's documented example key).") var apiKey: String?
    @Option(help: "API secret the exchange verifies signatures with (default: Binance's documented example secret).") var apiSecret: String?

    func run() async throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        var configuration = FakeExchangeConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.seed = seed
        configuration.symbols = try symbols.split(separator: ",").map { name in
            let name = name.trimmingCharacters(in: .whitespaces)
            guard let symbol = FakeSymbol.named(name) else {
                throw ValidationError("--symbols: '\(name)' does not end with a known quote asset (USDT, USDC, BTC, ETH, EUR, …)")
            }
            return symbol
        }
        guard !configuration.symbols.isEmpty else { throw ValidationError("--symbols needs at least one symbol") }
        if let apiKey { configuration.apiKey = apiKey }
        if let apiSecret { configuration.apiSecret = apiSecret }
        var logger = Logger(label: "keelson.fake-exchange")
        logger.logLevel = .warning
        let exchange = FakeExchange(configuration: configuration, logger: logger)
        let customSecret = apiSecret != nil
        do {
            try await exchange.run(stoppingOnInterrupt: true) { baseURL in
                Self.printBanner(baseURL: baseURL, configuration: exchange.configuration, customSecret: customSecret)
            }
        } catch {
            FileHandle.standardError.write(Data("keelson-fake-exchange: could not serve on \(host):\(port): \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    static func printBanner(baseURL: String, configuration: FakeExchangeConfiguration, customSecret: Bool) {
        let streamURL = baseURL.replacingOccurrences(of: "http://", with: "ws://")
        let lines = [
            "fake exchange listening on \(baseURL) (ctrl-C stops it)",
            "  Binance REST:    \(baseURL)/api/v3/…   streams: \(streamURL)/ws/btcusdt@kline_1m",
            "  Coinbase:        \(baseURL)/api/v3/brokerage/market/products/BTC-USD/candles",
            "  symbols:         \(configuration.symbols.map(\.symbol).joined(separator: ", "))   seed: \(configuration.seed)",
            "  API key:         \(configuration.apiKey)",
            "  API secret:      \(customSecret ? "(as given with --api-secret)" : configuration.apiSecret)",
            "  faults:          POST \(baseURL)/fake/… (see docs/EXCHANGES.md)",
        ]
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
