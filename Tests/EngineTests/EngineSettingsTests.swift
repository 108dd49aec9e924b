import EngineService
import Foundation
import KeelsonServiceKit
import KeelsonTrading
import Testing

@Suite("Engine settings: autonomous from three values, expert from a complete file")
struct EngineSettingsTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("autonomous mode derives every risk parameter from max capital, timeframe and symbols")
    func autonomous() throws {
        let settings = try EngineSettings.load(
            environment: EnvironmentReader([
                "KEELSON_MAX_CAPITAL": "20000", "KEELSON_TIMEFRAME": "5m", "KEELSON_SYMBOLS": "btcusdt, ETHUSDT",
            ]))
        #expect(settings.origin == .autonomous)
        #expect(settings.maxCapital == 20_000)
        #expect(settings.timeframe == .fiveMinutes)
        #expect(settings.symbols.map(\.rawValue) == ["BTCUSDT", "ETHUSDT"])
        #expect(settings.risk == RiskSettings.conservative(maxCapital: 20_000))
        #expect(settings.risk.maxPositionNotional == 5_000)
        #expect(settings.execution == .standard)
        #expect(settings.reconcileInterval == .seconds(300) && settings.balanceChangeAlertPercent == 5)
        let live = try EngineSettings.load(
            environment: EnvironmentReader(["KEELSON_RECONCILE_INTERVAL": "1m", "KEELSON_RECONCILE_BALANCE_CHANGE_PERCENT": "2.5"]))
        #expect(live.reconcileInterval == .seconds(60) && live.balanceChangeAlertPercent == Decimal(string: "2.5")!)
        #expect(settings.restingStops == EngineSettings.RestingStopSettings(), "on, 50 bps, 60 s")
        let stops = try EngineSettings.load(
            environment: EnvironmentReader([
                "KEELSON_RESTING_STOPS": "OFF", "KEELSON_RESTING_STOP_LIMIT_BPS": "25", "KEELSON_RESTING_STOP_REPLACE_SECONDS": "0",
            ])).restingStops
        #expect(!stops.enabled && stops.limitOffsetBps == 25 && stops.replaceInterval == .zero)
    }

    @Test("expert mode reads the example file; every parameter is required")
    func expert() throws {
        let path = Self.repositoryRoot.appendingPathComponent("config/engine.example.json").path
        let settings = try EngineSettings.load(environment: EnvironmentReader(["KEELSON_ENGINE_CONFIG": path]))
        #expect(settings.origin == .expert)
        #expect(settings.risk.dailyLossLimitPercent == 5)
        #expect(settings.rules(for: .init(rawValue: "ETHUSDT")!).stepSize == Decimal(string: "0.0001")!)

        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var risk = try #require(json["risk"] as? [String: Any])
        risk["max_drawdown_percent"] = nil
        json["risk"] = risk
        let incomplete = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: json).write(to: incomplete)
        #expect {
            try EngineSettings.load(environment: EnvironmentReader(["KEELSON_ENGINE_CONFIG": incomplete.path]))
        } throws: { error in
            (error as? ConfigurationError)?.description.contains("risk.max_drawdown_percent is missing") == true
        }
    }

    @Test(
        "bad values are refused with the variable named",
        arguments: [
            (["KEELSON_MAX_CAPITAL": "lots"], "KEELSON_MAX_CAPITAL: 'lots' is not an amount"),
            (["KEELSON_MAX_CAPITAL": "-5"], "KEELSON_MAX_CAPITAL: '-5' is not an amount"),
            (["KEELSON_TIMEFRAME": "7m"], "KEELSON_TIMEFRAME: '7m' is not allowed"),
            (["KEELSON_SYMBOLS": "BTC/USDT"], "KEELSON_SYMBOLS: 'BTC/USDT' is not a symbol"),
            (["KEELSON_ENGINE_CONFIG": "/nonexistent/engine.json"], "KEELSON_ENGINE_CONFIG: cannot read '/nonexistent/engine.json'"),
            (["KEELSON_SIGNAL_MAX_AGE_SECONDS": "0"], "KEELSON_SIGNAL_MAX_AGE_SECONDS: '0' is not allowed"),
            (["KEELSON_RECONCILE_INTERVAL": "soon"], "KEELSON_RECONCILE_INTERVAL: 'soon' is not a duration; expected e.g. 300s, 5m or 1h"),
            (["KEELSON_RECONCILE_INTERVAL": "2d"], "KEELSON_RECONCILE_INTERVAL: '2d' is not a duration"),
            (["KEELSON_RECONCILE_INTERVAL": "10ms"], "KEELSON_RECONCILE_INTERVAL: '10ms' is not allowed; expected from 100ms to 24h"),
            (["KEELSON_RESTING_STOPS": "yes"], "KEELSON_RESTING_STOPS: 'yes' is not allowed; expected on or off"),
            (["KEELSON_RESTING_STOP_LIMIT_BPS": "0"], "KEELSON_RESTING_STOP_LIMIT_BPS: '0' is not allowed"),
            (["KEELSON_RESTING_STOP_REPLACE_SECONDS": "-1"], "KEELSON_RESTING_STOP_REPLACE_SECONDS: '-1' is not allowed"),
            (["KEELSON_RECONCILE_BALANCE_CHANGE_PERCENT": "0"], "KEELSON_RECONCILE_BALANCE_CHANGE_PERCENT: '0' is not allowed; expected a percentage"),
            (["KEELSON_RECONCILE_BALANCE_CHANGE_PERCENT": "5%"], "KEELSON_RECONCILE_BALANCE_CHANGE_PERCENT: '5%' is not allowed"),
            (["KEELSON_RECONCILE_BALANCE_CHANGE_PERCENT": "150"], "KEELSON_RECONCILE_BALANCE_CHANGE_PERCENT: '150' is not allowed"),
        ])
    func badValues(environment: [String: String], expected: String) {
        #expect {
            try EngineSettings.load(environment: EnvironmentReader(environment))
        } throws: { error in
            (error as? ConfigurationError)?.description.hasPrefix(expected) == true
        }
    }
}
