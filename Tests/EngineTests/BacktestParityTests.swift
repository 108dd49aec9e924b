import EngineService
import Foundation
import HummingbirdTesting
import KeelsonBacktest
import KeelsonDomain
import KeelsonMarketData
import KeelsonServiceKit
import KeelsonStrategies
import KeelsonTestSupport
import KeelsonTrading
import PostgresNIO
import Testing

/// The backtester and the live engine run the same strategy, risk, execution and accounting code, so the same
/// candles through both must give the same trades, to the last decimal.
@Suite("Parity: the backtester and the engine with its paper broker trade alike")
struct BacktestParityTests {
    typealias F = EngineFixture

    @Test("600 synthetic bars, SMA(5, 20) with risk sizing and stops: the same round trips and the same cash")
    func sameTrades() async throws {
        let start = try Date("2024-03-01T00:00:00Z", strategy: .iso8601)
        let candles = try await SyntheticProvider(seed: 11).candles(symbol: F.btc, interval: .oneMinute, from: start, to: start.addingTimeInterval(600 * 60))
        var settings = EngineSettings.autonomous(maxCapital: 10_000, timeframe: .oneMinute, symbols: [F.btc], marketExchange: "synthetic")
        settings.risk.dailyLossLimitPercent = 100
        settings.risk.maxDrawdownPercent = 100
        let strategyParameters: [String: Double] = ["fast": 5, "slow": 20]

        let backtest = Backtester.run(
            strategy: try SMACrossover.make(strategyParameters), candles: candles,
            configuration: BacktestConfiguration(initialCash: 10_000, sizing: .risk(settings.risk), execution: settings.execution, rules: settings.rules(for: F.btc))
        )
        #expect(backtest.trades.count >= 3, "the series should make a few round trips")
        #expect(Set(backtest.trades.map(\.exitReason)) == [.stopLoss, .signal], "both exits by signal and by stop are compared")

        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await buildEngineApplication(configuration: TestConfiguration.service(.engine, database: url), settings: settings).test(.router) { client in
                try await client.waitUntilReady()
                var strategy = try SMACrossover.make(strategyParameters)
                for candle in candles {
                    _ = try await F.postCandles([candle], client: client)
                    for signal in strategy.evaluate(candle) {
                        let rows = try await postgres.query(
                            """
                            INSERT INTO signals (strategy, symbol, "interval", bar_time, side, strength, price, reason)
                            VALUES ('parity', \(signal.symbol.rawValue), \(signal.interval.rawValue), \(signal.barTime), \(signal.side.rawValue),
                                    \(signal.strength), \(signal.price), \(signal.reason))
                            RETURNING id
                            """
                        ).collect()
                        _ = try await F.postSignals([try rows[0].decode(Int64.self)], client: client)
                    }
                }
            }
            let engineTrades = try await postgres.query(
                "SELECT quantity, entry_price, exit_price, pnl, fees, exit_reason, entry_time, exit_time FROM trades ORDER BY id"
            ).collect().map { try $0.decode((Decimal, Decimal, Decimal, Decimal, Decimal, String, Date, Date).self) }
            #expect(engineTrades.count == backtest.trades.count)
            for (engine, tested) in zip(engineTrades, backtest.trades) {
                #expect(engine.0 == tested.quantity)
                #expect(engine.1 == tested.entryPrice)
                #expect(engine.2 == tested.exitPrice)
                #expect(engine.3 == tested.pnl)
                #expect(engine.4 == tested.fees)
                #expect(engine.5 == tested.exitReason.rawValue)
                #expect(engine.6.epochMilliseconds == tested.entryTime.epochMilliseconds)
                #expect(engine.7.epochMilliseconds == tested.exitTime.epochMilliseconds)
            }
            let cash = try await F.value("SELECT cash FROM account_balances ORDER BY id DESC LIMIT 1", as: Decimal.self, postgres: postgres)
            let backtestCash = backtest.finalEquity - (backtest.openTrade.map { $0.quantity * candles.last!.close } ?? 0)
            #expect(cash == backtestCash)
        }
    }
}
