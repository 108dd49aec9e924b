import AsyncHTTPClient
import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonMarketData
import KeelsonServiceKit

/// Builds the live-market providers from the environment (docs/CONFIGURATION.md, docs/EXCHANGES.md).
extension MarketDataSource {
    static func load(
        _ kind: CollectorConfiguration.ProviderKind, symbols: [Symbol], interval: CandleInterval, environment: EnvironmentReader
    ) throws(ConfigurationError) -> MarketDataSource {
        switch kind {
        case .replay:
            // A replay primary is built from its files; as a backup it has no live market to offer.
            throw ConfigurationError(
                variable: "KEELSON_MARKETDATA_BACKUP_PROVIDER",
                problem: "replay cannot be a backup; expected one of: synthetic, binance, coinbase (or none)")
        case .synthetic:
            let seedText = environment.string("KEELSON_SYNTHETIC_SEED") ?? "42"
            guard let seed = UInt64(seedText) else {
                throw ConfigurationError(variable: "KEELSON_SYNTHETIC_SEED", problem: "'\(seedText)' is not a seed; expected a whole number ≥ 0")
            }
            let provider = SyntheticProvider(seed: seed)
            return MarketDataSource(provider: provider, exchange: provider.exchange)
        case .binance:
            let baseURL = try environment.httpURL("KEELSON_BINANCE_BASE_URL") ?? BinanceRESTClient.productionURL
            let streamURL = try webSocketURL(environment, "KEELSON_BINANCE_STREAM_URL") ?? defaultBinanceStreamURL(restURL: baseURL)
            let provider = BinanceMarketDataProvider(rest: BinanceRESTClient(baseURL: baseURL, httpClient: .shared), streamURL: streamURL)
            return MarketDataSource(provider: provider, exchange: provider.exchange, exchangeBreaker: provider.access.breaker)
        case .coinbase:
            guard CoinbaseCandlesClient.granularity(interval) != nil else {
                throw ConfigurationError(
                    variable: "KEELSON_INTERVAL",
                    problem:
                        "Coinbase has no \(interval.rawValue) candles; expected one of \(CoinbaseMarketDataProvider.supportedIntervals.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let products: CoinbaseProductMap
            switch CoinbaseProductMap.parse(environment.string("KEELSON_COINBASE_PRODUCTS") ?? "") {
            case .success(let map): products = map
            case .failure(let invalid): throw ConfigurationError(variable: "KEELSON_COINBASE_PRODUCTS", problem: invalid.description)
            }
            for symbol in symbols where products.productID(for: symbol) == nil {
                throw ConfigurationError(
                    variable: "KEELSON_COINBASE_PRODUCTS",
                    problem: "names no Coinbase product for \(symbol); add \(symbol)=BASE-QUOTE, e.g. BTCUSDT=BTC-USD")
            }
            let baseURL = try environment.httpURL("KEELSON_COINBASE_BASE_URL") ?? CoinbaseCandlesClient.productionURL
            let provider = CoinbaseMarketDataProvider(client: CoinbaseCandlesClient(baseURL: baseURL, httpClient: .shared), products: products)
            return MarketDataSource(provider: provider, exchange: provider.exchange, exchangeBreaker: provider.access.breaker)
        }
    }

    /// Binance's stream host for its production and testnet REST hosts; for anything else (a fake exchange,
    /// which serves both) the REST URL's own host and port with the WebSocket scheme.
    static func defaultBinanceStreamURL(restURL: String) -> String {
        switch URL(string: restURL)?.host?.lowercased() {
        case "api.binance.com": BinanceKlineStreamClient.productionURL
        case "testnet.binance.vision": BinanceMarketDataProvider.testnetStreamURL
        default: restURL.hasPrefix("https://") ? "wss://" + restURL.dropFirst("https://".count) : "ws://" + restURL.dropFirst("http://".count)
        }
    }

    static func webSocketURL(_ environment: EnvironmentReader, _ variable: String) throws(ConfigurationError) -> String? {
        guard let text = environment.string(variable) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme, ["ws", "wss"].contains(scheme), url.host != nil else {
            throw ConfigurationError(
                variable: variable, problem: "'\(text)' is not a WebSocket URL; expected wss://HOST:PORT, e.g. wss://stream.binance.com:9443")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}
