import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonMarketData
import KeelsonOptimizer
import KeelsonStrategies
import KeelsonTrading
import Testing

@Suite("Optimizer: search space, folds, workers")
struct OptimizerTests {
    static let configuration = BacktestConfiguration(
        initialCash: 100_000, sizing: .allIn, execution: .standard, rules: BacktestConfiguration.wholeUnits)
    static let symbol = Symbol(rawValue: "BTCUSDT")!

    static func minuteBars(seed: UInt64, days: Int) -> [Candle] {
        SyntheticBars(seed: seed).minuteBars(
            symbol: symbol, from: SyntheticBars.epoch, to: SyntheticBars.epoch.addingTimeInterval(TimeInterval(days * 86_400)))
    }

    static func optimizer(_ series: BarSeries, walkForward: WalkForwardPlan?, constraints: [String] = []) throws -> Optimizer {
        let space = try SearchSpace(strategy: "sma_crossover", parameters: ["fast=5:25:5", "slow=30:90:20"], search: .grid)
        let folds = walkForward?.folds(start: series.start!, end: series.end!) ?? [Fold(number: 1, train: series.start!..<series.end!, test: nil)]
        return Optimizer(
            space: space, folds: folds, objective: .sharpe, constraints: try constraints.map { try StatisticConstraint.parse($0) },
            configuration: configuration)
    }

    @Test("every trial equals a plain backtest of its combination, and the best is the brute-force best")
    func trialsEqualPlainBacktests() async throws {
        let series = BarSeries(candles: Self.minuteBars(seed: 5, days: 4))
        let optimizer = try Self.optimizer(series, walkForward: nil)
        let trials = await optimizer.run(trials: Array(0..<optimizer.trialCount), on: series, workers: 2)
        #expect(trials.count == 20)
        var bruteForceBest: (sharpe: Double, parameters: [String: Double])?
        for (index, combination) in optimizer.space.combinations.enumerated() {
            let plain = Backtester.run(
                strategy: try StrategyCatalog.make("sma_crossover", parameters: combination.parameters), candles: series.candles(0..<series.count),
                configuration: Self.configuration)
            #expect(trials[index].statistics == plain.statistics, "combination \(combination.parameters)")
            if let sharpe = plain.statistics.sharpe, sharpe > bruteForceBest?.sharpe ?? -.infinity {
                bruteForceBest = (sharpe, combination.parameters)
            }
        }
        let outcome = optimizer.conclude(trials, on: series)
        #expect(outcome.final?.best?.parameters == bruteForceBest?.parameters)
        #expect(outcome.final?.inSample == bruteForceBest?.sharpe)
    }

    @Test("the results are the same with 1, 2 and 5 workers, and shards together are the whole")
    func workersAndShardsAgree() async throws {
        let series = BarSeries(candles: Self.minuteBars(seed: 7, days: 6))
        let optimizer = try Self.optimizer(series, walkForward: WalkForwardPlan(train: 2 * 86_400, test: 86_400))
        let all = Array(0..<optimizer.trialCount)
        let one = await optimizer.run(trials: all, on: series, workers: 1)
        #expect(await optimizer.run(trials: all, on: series, workers: 2) == one)
        #expect(await optimizer.run(trials: all, on: series, workers: 5) == one)
        var sharded: [Trial] = []
        for shard in 0..<3 { sharded += await optimizer.run(trials: optimizer.shard(shard, of: 3), on: series, workers: 2) }
        let key = { (trial: Trial) in trial.fold * 1_000 + trial.combination }
        #expect(sharded.sorted { key($0) < key($1) } == one)
    }

    @Test("walk-forward training never sees its test window: changing everything after a train window leaves its choice alone")
    func walkForwardDoesNotLeak() async throws {
        let plan = WalkForwardPlan(train: 3 * 86_400, test: 86_400)
        let first = Self.minuteBars(seed: 11, days: 8)
        // The same first three days, then another regime: a different random walk, scaled to carry on from the cut.
        let cut = 3 * 1_440
        let other = Self.minuteBars(seed: 99, days: 8)
        let scale = first[cut - 1].close.doubleValue / other[cut].open.doubleValue
        func scaled(_ value: Decimal) -> Decimal { Decimal(string: String(format: "%.2f", value.doubleValue * scale))! }
        let second =
            Array(first[..<cut])
            + other[cut...].map { bar in
                Candle(
                    exchange: bar.exchange, symbol: bar.symbol, interval: bar.interval, openTime: bar.openTime, open: scaled(bar.open),
                    high: scaled(bar.high), low: scaled(bar.low), close: scaled(bar.close), volume: bar.volume)
            }
        let seriesA = BarSeries(candles: first)
        let seriesB = BarSeries(candles: second)
        let optimizerA = try Self.optimizer(seriesA, walkForward: plan)
        let optimizerB = try Self.optimizer(seriesB, walkForward: plan)
        #expect(optimizerA.folds.count == 5)
        let trialsA = await optimizerA.run(trials: Array(0..<optimizerA.trialCount), on: seriesA, workers: 2)
        let trialsB = await optimizerB.run(trials: Array(0..<optimizerB.trialCount), on: seriesB, workers: 2)
        #expect(trialsA.filter { $0.fold == 1 } == trialsB.filter { $0.fold == 1 }, "fold 1 trains on the shared days only")
        #expect(trialsA.filter { $0.fold == 2 } != trialsB.filter { $0.fold == 2 }, "fold 2 trains on changed days")
        let outcomeA = optimizerA.conclude(trialsA, on: seriesA)
        let outcomeB = optimizerB.conclude(trialsB, on: seriesB)
        #expect(outcomeA.folds[0].best == outcomeB.folds[0].best)
        #expect(outcomeA.folds[0].inSample == outcomeB.folds[0].inSample)
        #expect(outcomeA.folds[0].test?.statistics != outcomeB.folds[0].test?.statistics, "the test window is the changed data")
        #expect(outcomeA.folds[0].test?.firstBarTime == first[cut].openTime)
    }

    @Test("a constraint no combination meets leaves every fold without a best")
    func unmetConstraint() async throws {
        let series = BarSeries(candles: Self.minuteBars(seed: 5, days: 2))
        let optimizer = try Self.optimizer(series, walkForward: nil, constraints: ["trades>1000000"])
        let outcome = optimizer.conclude(await optimizer.run(trials: Array(0..<optimizer.trialCount), on: series, workers: 2), on: series)
        #expect(outcome.final == nil)
        #expect(outcome.folds[0].accepted == 0)
    }

    @Test(
        "bad ranges are refused with one line naming the bound or the problem",
        arguments: [
            ("speed=1:5:1", "sma_crossover has no parameter 'speed'; its parameters are: fast, slow"),
            ("fast=50:5:1", "--param fast=50:5:1 is an empty range: 50 is above 5"),
            ("fast=1:50:1", "--param fast=1:50:1: 1 is outside sma_crossover's bounds for fast (a whole number from 2 to 500)"),
            ("fast=5:50:0", "--param fast=5:50:0: the step must be above 0"),
            ("fast=5:50:0.5", "--param fast=5:50:0.5: fast takes whole numbers"),
            ("fast", "--param fast is not NAME=FROM:TO:STEP"),
        ])
    func badRanges(text: String, expected: String) {
        #expect(throws: OptimizerError.self) { try ParameterRange.parse(text, strategy: SMACrossover.self) }
        do {
            _ = try ParameterRange.parse(text, strategy: SMACrossover.self)
        } catch {
            #expect(error.description.hasPrefix(expected), Comment(rawValue: error.description))
        }
    }

    @Test("ranges, random search and constraints parse as written")
    func parsing() throws {
        #expect(try ParameterRange.parse("fast=5:20:5", strategy: SMACrossover.self).values == [5, 10, 15, 20])
        #expect(try ParameterRange.parse("k=1:2:0.1", strategy: BollingerBreakout.self).values.count == 11)
        let picked = SearchMethod.random(count: 50, seed: 3).pick(from: 1_000)
        #expect(picked.count == 50 && Set(picked).count == 50 && picked == picked.sorted())
        #expect(picked == SearchMethod.random(count: 50, seed: 3).pick(from: 1_000))
        #expect(picked != SearchMethod.random(count: 50, seed: 4).pick(from: 1_000))
        #expect(SearchMethod.random(count: 5_000, seed: 3).pick(from: 1_000) == Array(0..<1_000))
        let constraint = try StatisticConstraint.parse("max_drawdown >= -20")
        #expect(constraint.statistic == "max_drawdown" && constraint.comparison == .atLeast && constraint.bound == -20)
        #expect(throws: OptimizerError.self) { try StatisticConstraint.parse("drawdown>-20") }
        #expect(throws: OptimizerError.self) { try WalkForwardPlan.parse("train=180d") }
        #expect(try WalkForwardPlan.parse("train=2w,test=12h").step == 43_200)
        let folds = WalkForwardPlan(train: 10, test: 5, step: 5).folds(start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 30))
        #expect(folds.map { $0.test!.lowerBound.timeIntervalSince1970 } == [10, 15, 20, 25])
    }

    @Test("risk settings searched inside their safety bounds: each trial a plain backtest of its settings, the loss limits never changed")
    func riskSettingsSearch() async throws {
        let base = RiskSettings.conservative(maxCapital: 100_000)
        let configuration = BacktestConfiguration(initialCash: 100_000, sizing: .risk(base), execution: .standard, rules: .defaultSpot)
        let series = BarSeries(candles: Self.minuteBars(seed: 5, days: 3))
        let space = try SearchSpace(
            strategy: "sma_crossover",
            parameters: ["fast=10", "slow=30:50:20", "risk.risk_per_trade_percent=0.5:2:0.5", "risk.stop_atr_multiple=2:4:2"],
            search: .grid, riskBounds: [:])
        #expect(space.combinations.count == 16)
        let optimizer = Optimizer(
            space: space, folds: [Fold(number: 1, train: series.start!..<series.end!, test: nil)], objective: .sharpe, constraints: [],
            configuration: configuration)
        let trials = await optimizer.run(trials: Array(0..<optimizer.trialCount), on: series, workers: 2)
        for (index, combination) in space.combinations.enumerated() {
            let searched = optimizer.configuration(for: combination)
            guard case .risk(let settings) = searched.sizing else {
                Issue.record("risk sizing lost")
                continue
            }
            #expect(settings.riskPerTradePercent == Decimal(string: "\(combination.parameters["risk.risk_per_trade_percent"]!)"))
            #expect(settings.dailyLossLimitPercent == base.dailyLossLimitPercent && settings.maxDrawdownPercent == base.maxDrawdownPercent)
            #expect(settings.maxPositionNotional == base.maxPositionNotional)
            let plain = Backtester.run(
                strategy: try StrategyCatalog.make("sma_crossover", parameters: SearchSpace.strategyParameters(combination.parameters)),
                candles: series.candles(0..<series.count), configuration: searched)
            #expect(trials[index].statistics == plain.statistics, "\(combination.parameters)")
        }
        #expect(Set(trials.map(\.statistics.finalEquity)).count > 1, "the risk settings change the results")
    }

    @Test(
        "risk settings outside the safety bounds, the user's limits, or without risk sizing are refused",
        arguments: [
            (["risk.daily_loss_limit_percent=1:5"], [:], "daily_loss_limit_percent is the user's loss or capital limit; an optimiser never searches"),
            (["risk.max_position_notional=100:200:100"], [:], "max_position_notional is the user's loss or capital limit"),
            (["risk.risk_per_trade_percent=0.1:2:0.5"], [:], "0.1 is outside the risk safety bounds for risk.risk_per_trade_percent"),
            (["risk.risk_per_trade_percent=0.5:2:0.5"], ["risk_per_trade_percent": 0.5...1.5], "2 is outside the risk safety bounds"),
            (["risk.atr_period=10.5:20:1"], [:], "risk.atr_period takes whole numbers"),
            (["risk.bogus=1:2"], [:], "bogus is not a risk setting an optimiser may search"),
        ] as [([String], [String: ClosedRange<Double>], String)])
    func riskRefusals(parameters: [String], bounds: [String: ClosedRange<Double>], expected: String) {
        #expect {
            try SearchSpace(strategy: "sma_crossover", parameters: ["fast=5:10:5"] + parameters, search: .grid, riskBounds: bounds)
        } throws: { error in
            "\(error)".contains(expected)
        }
        #expect {
            try SearchSpace(strategy: "sma_crossover", parameters: ["fast=5:10:5", "risk.atr_period=10:20:10"], search: .grid, riskBounds: nil)
        } throws: { error in
            "\(error)".contains("searches a risk setting; that needs --sizing risk")
        }
    }

    @Test("a settings file's optimizer_bounds narrow the safety bounds and may not widen them")
    func settingsFileBounds() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../config/engine.example.json")
            .standardized
        let settings = try TradingSettingsFile.load(path: example.path)
        #expect(settings.optimizerBounds == ["risk_per_trade_percent": 0.5...1.5, "stop_atr_multiple": 3...8])
        var text = try String(contentsOf: example, encoding: .utf8)
        text = text.replacingOccurrences(of: #""risk_per_trade_percent": [0.5, 1.5]"#, with: #""risk_per_trade_percent": [0.5, 5]"#)
        let wide = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID()).json")
        try text.write(to: wide, atomically: true, encoding: .utf8)
        #expect { try TradingSettingsFile.load(path: wide.path) } throws: { error in
            "\(error)".contains("optimizer_bounds.risk_per_trade_percent: [0.5, 5.0] is not [low, high] inside the safety bounds 0.5…2.0")
        }
        let limit = text.replacingOccurrences(of: #""risk_per_trade_percent": [0.5, 5]"#, with: #""max_drawdown_percent": [5, 10]"#)
        try limit.write(to: wide, atomically: true, encoding: .utf8)
        #expect { try TradingSettingsFile.load(path: wide.path) } throws: { error in
            "\(error)".contains("optimizer_bounds: max_drawdown_percent is the user's loss or capital limit")
        }
    }
}
