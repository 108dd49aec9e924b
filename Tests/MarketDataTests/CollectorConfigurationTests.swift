import KeelsonServiceKit
import MarketDataService
import Testing

@Suite struct CollectorConfigurationTests {
    @Test(arguments: [
        (["KEELSON_MARKETDATA_PROVIDER": "binance"], "KEELSON_MARKETDATA_PROVIDER: 'binance' is not allowed; expected one of: replay, synthetic"),
        (["KEELSON_REPLAY_SPEED": "warp"], "KEELSON_REPLAY_SPEED: 'warp' is not allowed"),
        (["KEELSON_REPLAY_FILES": "BTCUSDT"], "KEELSON_REPLAY_FILES: 'BTCUSDT' is not SYMBOL=PATH"),
        (["KEELSON_REPLAY_FILES": "BTCUSDT=/no/such.csv"], "KEELSON_REPLAY_FILES: /no/such.csv: cannot be read"),
        (["KEELSON_CANDLE_SUBSCRIBERS": "signals,printer"], "KEELSON_CANDLE_SUBSCRIBERS: 'printer' is not a subscriber"),
        (["KEELSON_INTERVAL": "7m"], "KEELSON_INTERVAL: '7m' is not allowed"),
        (["KEELSON_MARKETDATA_PROVIDER": "synthetic", "KEELSON_SYMBOLS": "btc"], "KEELSON_SYMBOLS: 'btc' is not a symbol"),
        (["KEELSON_MARKETDATA_PROVIDER": "synthetic", "KEELSON_SYNTHETIC_SEED": "-1"], "KEELSON_SYNTHETIC_SEED: '-1' is not a seed"),
        (["KEELSON_MARKETDATA_PROVIDER": "synthetic", "KEELSON_BACKFILL_HOURS": "0"], "KEELSON_BACKFILL_HOURS: '0' is not allowed"),
    ])
    func badValuesNameTheVariable(environment: [String: String], expected: String) {
        #expect {
            try CollectorConfiguration.load(environment: EnvironmentReader(environment))
        } throws: { error in
            (error as? ConfigurationError)?.description.hasPrefix(expected) == true
        }
    }

    @Test func syntheticDefaults() throws {
        let configuration = try CollectorConfiguration.load(environment: EnvironmentReader(["KEELSON_MARKETDATA_PROVIDER": "synthetic"]))
        #expect(configuration.symbols.map(\.rawValue) == ["BTCUSDT", "ETHUSDT"])
        #expect(configuration.subscribers == [.signals, .engine])
        #expect(configuration.backfillWindow == 48 * 3_600)
    }
}
