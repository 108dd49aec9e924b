import ArgumentParser
import AsyncHTTPClient
import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonFoundation
import KeelsonMarketData

/// Parsing shared by the `keelson data` commands: symbols, intervals, times and providers, each refused
/// with a sentence that says what is allowed.
enum MarketDataArguments {
    static func symbols(_ text: String) throws -> [Symbol] {
        let symbols = try text.split(separator: ",").map { try symbol(String($0).trimmingCharacters(in: .whitespaces)) }
        guard !symbols.isEmpty else { throw CLIError("--symbols is empty; give e.g. BTCUSDT,ETHUSDT", exitCode: 2) }
        return symbols
    }

    static func symbol(_ text: String) throws -> Symbol {
        do { return try Symbol(parsing: text) } catch { throw CLIError(error.description, exitCode: 2) }
    }

    static func interval(_ text: String) throws -> CandleInterval {
        do { return try CandleInterval(parsing: text) } catch { throw CLIError(error.description, exitCode: 2) }
    }

    /// ISO-8601 date or date-time, or epoch milliseconds.
    static func time(_ text: String, option: String) throws -> Date {
        if text.allSatisfy(\.isNumber), let milliseconds = Int64(text) { return Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000) }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if text.count == 10, let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return date }
        throw CLIError("\(option) '\(text)' is not a time; expected ISO-8601 (2024-01-31 or 2024-01-31T09:30:00Z) or epoch milliseconds", exitCode: 2)
    }

    /// A provider by name. The exchanges are read as the collector reads them: `KEELSON_BINANCE_BASE_URL`,
    /// `KEELSON_COINBASE_BASE_URL` and `KEELSON_COINBASE_PRODUCTS` (docs/CONFIGURATION.md), production by default.
    static func provider(_ name: String, seed: UInt64, symbols: [Symbol], interval: CandleInterval) throws -> any MarketDataProvider {
        let environment = EnvironmentReader()
        do {
            switch name {
            case "synthetic":
                return SyntheticProvider(seed: seed)
            case "binance":
                let baseURL = try environment.httpURL("KEELSON_BINANCE_BASE_URL") ?? BinanceRESTClient.productionURL
                // Candles by time range only: no stream is opened here.
                // Library logs stay quiet: the command's own one line says what failed.
                return BinanceMarketDataProvider(
                    rest: BinanceRESTClient(baseURL: baseURL, httpClient: .shared, logger: CLILogger.quiet), streamURL: baseURL, logger: CLILogger.quiet)
            case "coinbase":
                guard CoinbaseCandlesClient.granularity(interval) != nil else {
                    let supported = CoinbaseMarketDataProvider.supportedIntervals.map(\.rawValue).joined(separator: ", ")
                    throw CLIError("Coinbase has no \(interval.rawValue) candles; use one of \(supported)", exitCode: 2)
                }
                let products: CoinbaseProductMap
                switch CoinbaseProductMap.parse(environment.string("KEELSON_COINBASE_PRODUCTS") ?? "") {
                case .success(let map): products = map
                case .failure(let invalid): throw CLIError("KEELSON_COINBASE_PRODUCTS: \(invalid.description)", exitCode: 2)
                }
                if let symbol = symbols.first(where: { products.productID(for: $0) == nil }) {
                    throw CLIError("KEELSON_COINBASE_PRODUCTS names no Coinbase product for \(symbol); add \(symbol)=BASE-QUOTE, e.g. BTCUSDT=BTC-USD", exitCode: 2)
                }
                let baseURL = try environment.httpURL("KEELSON_COINBASE_BASE_URL") ?? CoinbaseCandlesClient.productionURL
                return CoinbaseMarketDataProvider(
                    client: CoinbaseCandlesClient(baseURL: baseURL, httpClient: .shared, logger: CLILogger.quiet), products: products,
                    logger: CLILogger.quiet)
            default:
                throw CLIError(
                    "unknown provider '\(name)'; available: synthetic, binance, coinbase (replay files go through `keelson data import`)", exitCode: 2)
            }
        } catch let error as ConfigurationError {
            throw CLIError(error.description, exitCode: 2)
        }
    }
}
