import EngineService
import Foundation
import HummingbirdTesting
import KeelsonBacktest
import KeelsonDomain
import KeelsonMarketData
import KeelsonPersistence
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

    /// What the engine did with the candles: its round trips, last cash, the open time of the bar after which it
    /// reported itself halted, and the reason it recorded.
    struct EngineRun {
        var trades: [(Decimal, Decimal, Decimal, Decimal, Decimal, String, Date, Date)]
        var cash: Decimal
        var haltedAfterBar: Date?
        var haltReasons: [String]
        /// The instance each round trip is attributed to (its entry's) and its symbol, in the order of `trades`.
        var strategies: [(instance: String, symbol: String)]
    }

    static let strategyParameters: [String: Double] = ["fast": 5, "slow": 20]

    static func candles() async throws -> [Candle] {
        let start = try Date("2024-03-01T00:00:00Z", strategy: .iso8601)
        return try await SyntheticProvider(seed: 11).candles(symbol: F.btc, interval: .oneMinute, from: start, to: start.addingTimeInterval(600 * 60))
    }

    static func backtest(_ candles: [Candle], settings: EngineSettings) throws -> BacktestResult {
        Backtester.run(
            strategy: try SMACrossover.make(strategyParameters), candles: candles,
            configuration: BacktestConfiguration(
                initialCash: settings.maxCapital, sizing: .risk(settings.risk), execution: settings.execution, rules: settings.rules(for: F.btc))
        )
    }

    /// A strategy the test runs for one symbol, as the signal service would (its signals stored under `id`).
    struct StrategySlot {
        var id: String
        var symbol: Symbol
        var strategy: any Strategy
    }

    /// Each candle pushed alone, then the strategy's signals on it, as the signal service would send them.
    static func engine(_ candles: [Candle], settings: EngineSettings) async throws -> EngineRun {
        try await engine(
            timeline: candles.map { [$0] },
            strategies: [StrategySlot(id: "parity", symbol: F.btc, strategy: try SMACrossover.make(strategyParameters))],
            settings: settings)
    }

    /// Each minute's candles (one per symbol) pushed together, then every strategy's signals on them.
    static func engine(timeline: [[Candle]], strategies: [StrategySlot], settings: EngineSettings) async throws -> EngineRun {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            let haltedAfterBar = try await buildEngineApplication(
                configuration: TestConfiguration.service(.engine, database: url), settings: settings
            ).test(.router) { client -> Date? in
                try await client.waitUntilReady()
                var haltedAfterBar: Date?
                var slots = strategies
                for minute in timeline {
                    let result = try await F.postCandles(minute, client: client)
                    if result.state == "halted", haltedAfterBar == nil { haltedAfterBar = minute.first?.openTime }
                    var signalIDs: [Int64] = []
                    for index in slots.indices {
                        for candle in minute where candle.symbol == slots[index].symbol {
                            for signal in slots[index].strategy.evaluate(candle) {
                                // `read` checks the leased connection is open: over thousands of statements on a loaded
                                // machine the pool closes idle connections, and a statement written to one being closed is
                                // never answered.
                                let rows = try await postgres.read(
                                    """
                                    INSERT INTO signals (strategy, symbol, "interval", bar_time, side, strength, price, reason)
                                    VALUES (\(slots[index].id), \(signal.symbol.rawValue), \(signal.interval.rawValue), \(signal.barTime),
                                            \(signal.side.rawValue), \(signal.strength), \(signal.price), \(signal.reason))
                                    RETURNING id
                                    """, logger: TestDatabase.logger
                                ) { try await $0.collect() }
                                signalIDs.append(try rows[0].decode(Int64.self))
                            }
                        }
                    }
                    if !signalIDs.isEmpty { _ = try await F.postSignals(signalIDs, client: client) }
                }
                return haltedAfterBar
            }
            let trades = try await postgres.read(
                "SELECT quantity, entry_price, exit_price, pnl, fees, exit_reason, entry_time, exit_time FROM trades ORDER BY id",
                logger: TestDatabase.logger
            ) { try await $0.collect() }.map { try $0.decode((Decimal, Decimal, Decimal, Decimal, Decimal, String, Date, Date).self) }
            let cash = try await F.value("SELECT cash FROM account_balances ORDER BY id DESC LIMIT 1", as: Decimal.self, postgres: postgres)
            let reasons = try await postgres.read(
                "SELECT reason FROM risk_events WHERE kind IN ('max_drawdown', 'daily_loss_limit') ORDER BY id", logger: TestDatabase.logger
            ) { try await $0.collect() }.map { try $0.decode(String.self) }
            let strategies = try await postgres.read(
                "SELECT o.strategy, t.symbol FROM trades t JOIN orders o ON o.id = t.entry_order_id ORDER BY t.id", logger: TestDatabase.logger
            ) { try await $0.collect() }.map { try $0.decode((String, String).self) }.map { (instance: $0.0, symbol: $0.1) }
            return EngineRun(trades: trades, cash: cash, haltedAfterBar: haltedAfterBar, haltReasons: reasons, strategies: strategies)
        }
    }

    static func expectSameTrades(_ engine: EngineRun, _ backtest: BacktestResult, lastClose: Decimal) {
        #expect(engine.trades.count == backtest.trades.count)
        for (engine, tested) in zip(engine.trades, backtest.trades) {
            #expect(engine.0 == tested.quantity)
            #expect(engine.1 == tested.entryPrice)
            #expect(engine.2 == tested.exitPrice)
            #expect(engine.3 == tested.pnl)
            #expect(engine.4 == tested.fees)
            #expect(engine.5 == tested.exitReason.rawValue)
            #expect(engine.6.epochMilliseconds == tested.entryTime.epochMilliseconds)
            #expect(engine.7.epochMilliseconds == tested.exitTime.epochMilliseconds)
        }
        #expect(engine.cash == backtest.finalEquity - (backtest.openTrade.map { $0.quantity * lastClose } ?? 0))
    }

    @Test("600 synthetic bars, SMA(5, 20) with risk sizing and stops: the same round trips and the same cash")
    func sameTrades() async throws {
        let candles = try await Self.candles()
        var settings = EngineSettings.autonomous(maxCapital: 10_000, timeframe: .oneMinute, symbols: [F.btc], marketExchange: "synthetic")
        settings.risk.dailyLossLimitPercent = 100
        settings.risk.maxDrawdownPercent = 100
        let backtest = try Self.backtest(candles, settings: settings)
        #expect(backtest.trades.count >= 3, "the series should make a few round trips")
        let exits = Set(backtest.trades.map(\.exitReason))
        #expect(exits.contains(.signal) && exits.count >= 2, "exits by signal and by a protective stop are both compared")
        #expect(backtest.halts.isEmpty)
        let engine = try await Self.engine(candles, settings: settings)
        Self.expectSameTrades(engine, backtest, lastClose: candles.last!.close)
        #expect(engine.haltedAfterBar == nil)
    }

    @Test(
        "a tight loss limit: the backtest and the engine halt on the same bar, for the same reason, and trade alike after it",
        arguments: ["max_drawdown", "daily_loss_limit"]
    )
    func sameHalt(limit: String) async throws {
        let candles = try await Self.candles()
        var settings = EngineSettings.autonomous(maxCapital: 10_000, timeframe: .oneMinute, symbols: [F.btc], marketExchange: "synthetic")
        settings.risk.dailyLossLimitPercent = limit == "daily_loss_limit" ? Decimal(string: "0.2")! : 100
        settings.risk.maxDrawdownPercent = limit == "max_drawdown" ? Decimal(string: "0.2")! : 100
        let backtest = try Self.backtest(candles, settings: settings)
        let halt = try #require(backtest.halts.first, "the series falls 0.32 % from a peak")
        #expect(backtest.halts.count == 1, "a halt holds until an operator resumes")
        #expect(halt.kind == limit)
        var wide = settings
        wide.risk.dailyLossLimitPercent = 100
        wide.risk.maxDrawdownPercent = 100
        let unlimited = try Self.backtest(candles, settings: wide)
        #expect(backtest.trades.count < unlimited.trades.count, "no entries after the halt")
        #expect(backtest.trades.allSatisfy { $0.entryTime <= halt.time.addingTimeInterval(60) })

        let engine = try await Self.engine(candles, settings: settings)
        #expect(engine.haltedAfterBar == halt.time)
        #expect(engine.haltReasons == [halt.reason])
        Self.expectSameTrades(engine, backtest, lastClose: candles.last!.close)
    }
}
