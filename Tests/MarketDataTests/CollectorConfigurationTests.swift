import KeelsonExchanges
import KeelsonServiceKit
import MarketDataService
import Testing

@Suite struct CollectorConfigurationTests {
    @Test(arguments: [
        (
            ["KEELSON_MARKETDATA_PROVIDER": "kraken"],
            "KEELSON_MARKETDATA_PROVIDER: 'kraken' is not allowed; expected one of: replay, synthetic, binance, coinbase"
        ),
        (["KEELSON_REPLAY_SPEED": "warp"], "KEELSON_REPLAY_SPEED: 'warp' is not allowed"),
        (["KEELSON_REPLAY_FILES": "BTCUSDT"], "KEELSON_REPLAY_FILES: 'BTCUSDT' is not SYMBOL=PATH"),
        (["KEELSON_REPLAY_FILES": "BTCUSDT=/no/such.csv"], "KEELSON_REPLAY_FILES: /no/such.csv: cannot be read"),
        (["KEELSON_CANDLE_SUBSCRIBERS": "signals,printer"], "KEELSON_CANDLE_SUBSCRIBERS: 'printer' is not a subscriber"),
        (["KEELSON_INTERVAL": "7m"], "KEELSON_INTERVAL: '7m' is not allowed"),
        (["KEELSON_MARKETDATA_PROVIDER": "synthetic", "KEELSON_SYMBOLS": "btc"], "KEELSON_SYMBOLS: 'btc' is not a symbol"),
        (["KEELSON_MARKETDATA_PROVIDER": "synthetic", "KEELSON_SYNTHETIC_SEED": "-1"], "KEELSON_SYNTHETIC_SEED: '-1' is not a seed"),
        (["KEELSON_MARKETDATA_PROVIDER": "synthetic", "KEELSON_BACKFILL_HOURS": "0"], "KEELSON_BACKFILL_HOURS: '0' is not allowed"),
        (["KEELSON_MARKETDATA_BACKUP_PROVIDER": "coinbase"], "KEELSON_MARKETDATA_BACKUP_PROVIDER: a replay has no live market to fail over from"),
        (
            ["KEELSON_MARKETDATA_PROVIDER": "binance", "KEELSON_MARKETDATA_BACKUP_PROVIDER": "replay"],
            "KEELSON_MARKETDATA_BACKUP_PROVIDER: 'replay' is not allowed; expected one of: synthetic, binance, coinbase"
        ),
        (
            ["KEELSON_MARKETDATA_PROVIDER": "binance", "KEELSON_MARKETDATA_BACKUP_PROVIDER": "binance"],
            "KEELSON_MARKETDATA_BACKUP_PROVIDER: 'binance' is the primary provider too"
        ),
        (
            ["KEELSON_MARKETDATA_PROVIDER": "binance", "KEELSON_BINANCE_BASE_URL": "api.binance.com"],
            "KEELSON_BINANCE_BASE_URL: 'api.binance.com' is not a URL"
        ),
        (
            ["KEELSON_MARKETDATA_PROVIDER": "binance", "KEELSON_BINANCE_STREAM_URL": "https://stream.binance.com"],
            "KEELSON_BINANCE_STREAM_URL: 'https://stream.binance.com' is not a WebSocket URL"
        ),
        (
            ["KEELSON_MARKETDATA_PROVIDER": "coinbase", "KEELSON_INTERVAL": "4h"],
            "KEELSON_INTERVAL: Coinbase has no 4h candles; expected one of 1m, 5m, 15m, 30m, 1h, 2h, 6h, 1d"
        ),
        (
            ["KEELSON_MARKETDATA_PROVIDER": "coinbase", "KEELSON_COINBASE_PRODUCTS": "BTCUSDT=BTCUSD"],
            "KEELSON_COINBASE_PRODUCTS: 'BTCUSDT=BTCUSD' is not SYMBOL=BASE-QUOTE"
        ),
        (
            ["KEELSON_MARKETDATA_PROVIDER": "coinbase", "KEELSON_SYMBOLS": "BTCTRY"],
            "KEELSON_COINBASE_PRODUCTS: names no Coinbase product for BTCTRY"
        ),
        (["KEELSON_CANDLE_CACHE_SIZE": "5"], "KEELSON_CANDLE_CACHE_SIZE: '5' is not allowed; expected a whole number of candles from 10"),
    ])
    func badValuesNameTheVariable(environment: [String: String], expected: String) {
        #expect {
            try CollectorConfiguration.load(environment: EnvironmentReader(environment))
        } throws: { error in
            (error as? ConfigurationError)?.description.hasPrefix(expected) == true
        }
    }

    @Test func candleCacheSize() throws {
        #expect(try CollectorConfiguration.load(environment: EnvironmentReader([:])).cacheCapacity == 1_000)
        #expect(try CollectorConfiguration.load(environment: EnvironmentReader(["KEELSON_CANDLE_CACHE_SIZE": "20"])).cacheCapacity == 20)
    }

    @Test func syntheticDefaults() throws {
        let configuration = try CollectorConfiguration.load(environment: EnvironmentReader(["KEELSON_MARKETDATA_PROVIDER": "synthetic"]))
        #expect(configuration.symbols.map(\.rawValue) == ["BTCUSDT", "ETHUSDT"])
        #expect(configuration.subscribers == [.signals, .engine])
        #expect(configuration.backfillWindow == 48 * 3_600)
        #expect(configuration.backup == nil)
    }

    @Test("Binance with a Coinbase backup: candles stored under each exchange's name, each exchange's shared breaker")
    func binanceWithCoinbaseBackup() throws {
        let configuration = try CollectorConfiguration.load(
            environment: EnvironmentReader([
                "KEELSON_MARKETDATA_PROVIDER": "binance", "KEELSON_MARKETDATA_BACKUP_PROVIDER": "coinbase",
            ]))
        #expect(configuration.exchange == "binance" && configuration.backup?.exchange == "coinbase")
        #expect(configuration.primary.exchangeBreaker?.name == "exchange:api.binance.com:443")
        #expect(configuration.backup?.exchangeBreaker?.name == "exchange:api.coinbase.com:443")
        #expect((configuration.provider as? BinanceMarketDataProvider)?.streamURL == BinanceKlineStreamClient.productionURL)
    }

    @Test(
        "the stream URL follows the REST URL: testnet is one setting away, a fake serves both",
        arguments: [
            ("https://testnet.binance.vision", "wss://stream.testnet.binance.vision"),
            ("http://127.0.0.1:8090", "ws://127.0.0.1:8090"),
        ])
    func streamURLFollowsRESTURL(restURL: String, streamURL: String) throws {
        let configuration = try CollectorConfiguration.load(
            environment: EnvironmentReader([
                "KEELSON_MARKETDATA_PROVIDER": "binance", "KEELSON_BINANCE_BASE_URL": restURL,
            ]))
        #expect((configuration.provider as? BinanceMarketDataProvider)?.streamURL == streamURL)
        #expect((configuration.provider as? BinanceMarketDataProvider)?.rest.baseURL == restURL)
    }
}
