import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonStrategies
import KeelsonTrading
import Synchronization

/// Runs a search: every combination through the same `BacktestRun` as `keelson backtest` (so a combination's
/// figures equal a plain backtest of it), on all workers, then the best of each fold tested on the window after it.
public struct Optimizer: Sendable {
    public let space: SearchSpace
    public let folds: [Fold]
    public let objective: Objective
    public let constraints: [StatisticConstraint]
    public let configuration: BacktestConfiguration

    public init(space: SearchSpace, folds: [Fold], objective: Objective, constraints: [StatisticConstraint], configuration: BacktestConfiguration) {
        self.space = space
        self.folds = folds
        self.objective = objective
        self.constraints = constraints
        self.configuration = configuration
    }

    /// Every trial of the search, fold by fold.
    public var trialCount: Int { folds.count * space.combinations.count }

    public func key(ofTrial number: Int) -> TrialKey {
        TrialKey(fold: folds[number / space.combinations.count].number, combination: number % space.combinations.count)
    }

    /// The trial numbers shard `index` of `count` runs.
    public func shard(_ index: Int, of count: Int) -> [Int] {
        Array(stride(from: index, to: trialCount, by: count))
    }

    /// Runs `trials` on `workers` concurrent tasks, each taking the next trial when it finishes one; the results come
    /// back in trial order, so they are the same with any number of workers. Indicators are computed once per length
    /// and window for every combination that asks for them (`SharedIndicators`).
    public func run(trials: [Int], on series: BarSeries, workers: Int, progress: (@Sendable (Int) -> Void)? = nil) async -> [Trial] {
        let cursor = TrialCursor()
        let shared = SharedIndicators(bars: series.bars)
        let windows = folds.map { series.indices(of: $0.train) }
        let foldIndex = Dictionary(uniqueKeysWithValues: folds.enumerated().map { ($1.number, $0) })
        let finished = await withTaskGroup(of: [(Int, Trial)].self) { group in
            for _ in 0..<max(1, min(workers, trials.count)) {
                group.addTask {
                    var done: [(Int, Trial)] = []
                    while true {
                        let position = cursor.next.add(1, ordering: .relaxed).oldValue
                        guard position < trials.count else { return done }
                        let key = key(ofTrial: trials[position])
                        let result = backtest(
                            space.combinations[key.combination], on: series, window: windows[foldIndex[key.fold]!], shared: shared)
                        done.append((position, Trial(fold: key.fold, combination: key.combination, statistics: result.statistics)))
                        progress?(cursor.finished.add(1, ordering: .relaxed).newValue)
                    }
                }
            }
            var all: [(Int, Trial)] = []
            for await part in group { all += part }
            return all
        }
        return finished.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// `combination` over the bars in `window`, the `warmUp` bars before it fed to its indicators only; reading
    /// `shared` indicator columns when its strategy can.
    public func backtest(
        _ combination: Combination, on series: BarSeries, window: Range<Int>, warmUp: Range<Int> = 0..<0, shared: SharedIndicators? = nil
    ) -> BacktestResult {
        let first = warmUp.isEmpty ? window.lowerBound : warmUp.lowerBound
        let strategy = shared.map { space.makeStrategy(combination, shared: $0, from: first) } ?? space.makeStrategy(combination)
        return backtest(strategy, configuration: configuration(for: combination), on: series, window: window, warmUp: warmUp)
    }

    func backtest(
        _ strategy: any Strategy, configuration: BacktestConfiguration, on series: BarSeries, window: Range<Int>, warmUp: Range<Int>
    ) -> BacktestResult {
        var run = BacktestRun(strategy: strategy, configuration: configuration)
        series.withReader { reader in
            var candle = reader.template
            for index in warmUp {
                reader.load(index, into: &candle)
                run.warmUp(candle, reader.bars[index])
            }
            for index in window {
                reader.load(index, into: &candle)
                run.process(candle, reader.bars[index])
            }
        }
        return run.finish()
    }

    /// Whether a trial counts: every constraint met and the objective defined.
    public func accepts(_ statistics: BacktestStatistics) -> Bool {
        objective.value(of: statistics) != nil && constraints.allSatisfy { $0.isMet(by: statistics) }
    }

    /// The best accepted trial of each fold (ties go to the earlier combination), tested on the window after it.
    public func conclude(_ trials: [Trial], on series: BarSeries) -> OptimizationOutcome {
        var best: [Int: Trial] = [:]
        var accepted: [Int: Int] = [:]
        for trial in trials where accepts(trial.statistics) {
            accepted[trial.fold, default: 0] += 1
            let value = objective.value(of: trial.statistics)!
            if let current = best[trial.fold], let currentValue = objective.value(of: current.statistics),
                currentValue > value || (currentValue == value && current.combination < trial.combination)
            {
                continue
            }
            best[trial.fold] = trial
        }
        let outcomes = folds.map { fold -> FoldOutcome in
            guard let winner = best[fold.number] else { return FoldOutcome(fold: fold, accepted: 0) }
            let combination = space.combinations[winner.combination]
            var outcome = FoldOutcome(
                fold: fold, accepted: accepted[fold.number] ?? 0, best: combination, inSample: objective.value(of: winner.statistics),
                inSampleStatistics: winner.statistics)
            if let test = fold.test {
                let window = series.indices(of: test)
                let warmUpBars = warmUpLength(space.makeStrategy(combination), configuration: configuration(for: combination))
                let result = backtest(combination, on: series, window: window, warmUp: max(0, window.lowerBound - warmUpBars)..<window.lowerBound)
                outcome.test = result
                outcome.outOfSample = objective.value(of: result.statistics)
            }
            return outcome
        }
        return OptimizationOutcome(folds: outcomes, searched: space.searched)
    }

    /// The mean out-of-sample objective of fixed `parameters` on the test windows where the search's choices were
    /// tested (warmed the same way): what parameters already trading would have earned there, to compare with
    /// `outcome.outOfSampleMean`. Nil when no fold has both a best and a test window.
    public func outOfSample(of parameters: [String: Double], comparedWith outcome: OptimizationOutcome, on series: BarSeries) throws(OptimizerError)
        -> Double?
    {
        let strategy: any Strategy
        do {
            strategy = try StrategyCatalog.make(space.strategy, parameters: parameters)
        } catch {
            throw OptimizerError("the current parameters of \(space.strategy) are not valid: \(error.description)")
        }
        let values = outcome.folds.compactMap { fold -> Double? in
            guard fold.best != nil, let test = fold.fold.test else { return nil }
            let window = series.indices(of: test)
            let warmUp = max(0, window.lowerBound - warmUpLength(strategy, configuration: configuration))..<window.lowerBound
            return objective.value(of: backtest(strategy, configuration: configuration, on: series, window: window, warmUp: warmUp).statistics)
        }
        return OptimizationOutcome.mean(values)
    }

    /// Bars before a test window that its indicators need: the strategy's warm-up, and the ATR's with risk sizing.
    /// The run options of `combination`: its searched risk settings (`risk.NAME`) over the base ones, the loss limits
    /// always the base's.
    public func configuration(for combination: Combination) -> BacktestConfiguration {
        guard case .risk(let base) = configuration.sizing else { return configuration }
        var settings = base
        for (name, value) in combination.parameters where name.hasPrefix(SearchSpace.riskPrefix) {
            settings = settings.setting(String(name.dropFirst(SearchSpace.riskPrefix.count)), to: value)
        }
        guard settings != base else { return configuration }
        var searched = configuration
        searched.sizing = .risk(settings.keepingLossLimits(of: base))
        return searched
    }

    func warmUpLength(_ strategy: any Strategy, configuration: BacktestConfiguration) -> Int {
        if case .risk(let settings) = configuration.sizing { return max(strategy.warmUpBars, settings.atrPeriod) }
        return strategy.warmUpBars
    }
}

/// The shared counters of a search's workers: the next trial to take, and trials finished.
private final class TrialCursor: Sendable {
    let next = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
}
