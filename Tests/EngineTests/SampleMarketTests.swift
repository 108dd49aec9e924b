import EngineService
import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonPortfolio
import KeelsonStrategies
import KeelsonTestSupport
import KeelsonTrading
import SignalsService
import Testing

/// What `make run` replays — data/sample with config/strategies.json and the engine's autonomous defaults — must
/// look like a market and trade like one, and a backtest of each sample strategy must trade exactly as the engine.
@Suite("The sample markets: realistic prices and regimes, a sensible mix of trades, backtest parity per strategy")
struct SampleMarketTests {
    typealias F = EngineFixture
    typealias Parity = BacktestParityTests
    static let eth = Symbol(rawValue: "ETHUSDT")!

    static func sample(_ symbol: Symbol) throws -> [Candle] {
        let path = ServiceProcess.packageRoot.appendingPathComponent("data/sample/\(symbol.rawValue)-1m.csv").path
        return CandleCSV.candles(try CandleCSV.load(path: path), exchange: "replay", symbol: symbol, interval: .oneMinute)
    }

    static func enabledStrategies() throws -> [StrategyInstance] {
        let path = ServiceProcess.packageRoot.appendingPathComponent(StrategiesFile.defaultPath)
        return try StrategiesFile.parse(try Data(contentsOf: path), source: StrategiesFile.defaultPath).filter(\.enabled)
    }

    /// What the engine runs with when nothing is configured (`make run`).
    static func defaults(_ symbols: [Symbol]) -> EngineSettings {
        EngineSettings.autonomous(maxCapital: 10_000, timeframe: .oneMinute, symbols: symbols, marketExchange: "replay")
    }

    @Test("prices sit at the levels data/sample/README.md documents, and the three days are a rise, a range and a sell-off that recovers")
    func realisticSample() throws {
        for (symbol, range) in [(F.btc, Decimal(55_000)...Decimal(70_000)), (Self.eth, Decimal(3_000)...Decimal(4_000))] {
            let candles = try Self.sample(symbol)
            #expect(candles.count == 3 * 1_440)
            #expect(candles.allSatisfy { range.contains($0.low) && range.contains($0.high) }, "\(symbol) outside \(range)")
            for (previous, candle) in zip(candles, candles.dropFirst()) {
                #expect(candle.open == previous.close, "a market open every minute has no gaps")
            }
            let days = stride(from: 0, to: candles.count, by: 1_440).map { Array(candles[$0..<$0 + 1_440]) }
            let rise = days[0].last!.close / days[0].first!.open
            #expect(rise > Decimal(string: "1.02")!, "day 1 trends up (\(symbol))")
            let range = (days[1].map(\.high).max()! - days[1].map(\.low).min()!) / days[1].first!.open
            #expect(range < Decimal(string: "0.03")!, "day 2 ranges (\(symbol))")
            let low = days[2].map(\.low).min()!
            #expect(low < days[2].first!.open * Decimal(string: "0.95")!, "day 3 sells off (\(symbol))")
            #expect(days[2].last!.close > low * Decimal(string: "1.04")!, "and recovers (\(symbol))")
        }
    }

    @Test("the default strategies and settings over both sample markets: wins and losses, and every kind of exit")
    func sensibleMix() async throws {
        let btc = try Self.sample(F.btc), eth = try Self.sample(Self.eth)
        var slots: [Parity.StrategySlot] = []
        for instance in try Self.enabledStrategies() {
            for symbol in instance.symbols {
                slots.append(Parity.StrategySlot(id: instance.id, symbol: symbol, strategy: try instance.makeStrategy()))
            }
        }
        let run = try await Parity.engine(timeline: zip(btc, eth).map { [$0, $1] }, strategies: slots, settings: Self.defaults([F.btc, Self.eth]))
        let pnl = run.trades.map(\.3)
        let exits = Dictionary(grouping: run.trades.map(\.5), by: { $0 }).mapValues(\.count)
        let summary = "\(run.trades.count) trades, \(pnl.filter { $0 > 0 }.count) wins, PnL \(pnl.reduce(0, +)), exits \(exits)"
        #expect(pnl.contains { $0 > 0 } && pnl.contains { $0 < 0 }, Comment(rawValue: summary))
        #expect(Set(exits.keys) == ["stop_loss", "take_profit", "trailing_stop", "signal"], Comment(rawValue: summary))
        #expect(run.haltedAfterBar == nil, "the defaults' loss limits are not reached on the sample")
        print("sample replay through the paper engine: \(summary)")
    }

    /// Every instance of config/strategies.json, the disabled ones too.
    static func sampleInstances() throws -> [StrategyInstance] {
        let path = ServiceProcess.packageRoot.appendingPathComponent(StrategiesFile.defaultPath)
        return try StrategiesFile.parse(try Data(contentsOf: path), source: StrategiesFile.defaultPath)
    }

    @Test("the five sample instances on one account: the portfolio backtest trades, attributes and halts exactly as the paper engine")
    func portfolioParity() async throws {
        let btc = try Self.sample(F.btc), eth = try Self.sample(Self.eth)
        let instances = try Self.sampleInstances()
        #expect(instances.count == 5)
        var slots: [Parity.StrategySlot] = []
        for instance in instances {
            for symbol in instance.symbols {
                slots.append(Parity.StrategySlot(id: instance.id, symbol: symbol, strategy: try instance.makeStrategy()))
            }
        }
        let settings = Self.defaults([F.btc, Self.eth])
        let timeline = zip(btc, eth).map { [$0, $1] }
        let run = try await Parity.engine(timeline: timeline, strategies: slots, settings: settings)
        let pnl = run.trades.map(\.3)

        var backtest = PortfolioBacktest(
            instances: try instances.map { instance in
                PortfolioBacktest.Instance(
                    id: instance.id, status: .active, strategies: try instance.symbols.map { ($0, try instance.makeStrategy()) })
            },
            configuration: PortfolioBacktest.Configuration(
                initialCash: settings.maxCapital, risk: settings.risk, execution: settings.execution,
                rules: Dictionary(uniqueKeysWithValues: settings.symbols.map { ($0, settings.rules(for: $0)) }), lifecycle: nil))
        for minute in timeline { try backtest.process(minute) }
        let result = backtest.finish()
        #expect(result.roundTrips.count == run.trades.count)
        for ((engine, instance), tested) in zip(zip(run.trades, run.strategies), result.roundTrips) {
            #expect(instance.instance == tested.instance)
            #expect(engine.0 == tested.trade.quantity && engine.1 == tested.trade.entryPrice && engine.2 == tested.trade.exitPrice)
            #expect(engine.3 == tested.trade.pnl && engine.4 == tested.trade.fees && engine.5 == tested.trade.exitReason.rawValue)
        }
        let capital = settings.maxCapital
        for instance in instances {
            let live = zip(run.trades, run.strategies).filter { $0.1.instance == instance.id }.map { trade, owner in
                AttributedTrade(strategy: owner.instance, symbol: owner.symbol, entryTime: trade.6, exitTime: trade.7, pnl: trade.3, fees: trade.4)
            }
            let tested = try #require(result.instances.first { $0.id == instance.id })
            #expect(tested.figures == StrategyFigures.measure(live, capital: capital), "\(instance.id)")
            #expect(tested.figures.trades > 0, "\(instance.id) trades on the sample")
        }
        // Attribution adds up: the instances' PnL and fees are the portfolio's, to the last decimal.
        #expect(result.instances.map(\.figures.realizedPnl).reduce(0, +) == pnl.reduce(0, +))
        #expect(result.instances.map(\.figures.fees).reduce(0, +) == run.trades.map(\.4).reduce(0, +))
        #expect(result.cash == run.cash)
        #expect(result.halts.map(\.time) == (run.haltedAfterBar.map { [$0] } ?? []), "the losing pair halts the portfolio at the same bar")
        #expect(result.halts.map(\.breach.reason) == run.haltReasons)
    }

    static let strategySymbols: [String] = {
        ((try? enabledStrategies()) ?? []).flatMap { instance in instance.symbols.map { "\(instance.id) \($0.rawValue)" } }
    }()

    @Test("each sample strategy: the backtest of the sample data trades exactly as the paper engine", arguments: strategySymbols)
    func parity(_ pair: String) async throws {
        let parts = pair.split(separator: " ").map(String.init)
        let instance = try #require(try Self.enabledStrategies().first { $0.id == parts[0] })
        let symbol = try Symbol(parsing: parts[1])
        let candles = try Self.sample(symbol)
        let settings = Self.defaults([symbol])
        let backtest = Backtester.run(
            strategy: try instance.makeStrategy(), candles: candles,
            configuration: BacktestConfiguration(
                initialCash: settings.maxCapital, sizing: .risk(settings.risk), execution: settings.execution, rules: settings.rules(for: symbol)))
        #expect(backtest.trades.count >= 3)
        let slot = Parity.StrategySlot(id: instance.id, symbol: symbol, strategy: try instance.makeStrategy())
        let engine = try await Parity.engine(timeline: candles.map { [$0] }, strategies: [slot], settings: settings)
        Parity.expectSameTrades(engine, backtest, lastClose: candles.last!.close)
    }
}
