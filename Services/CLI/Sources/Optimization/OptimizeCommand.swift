import ArgumentParser
import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonOptimizer
import KeelsonStrategies

/// `keelson optimize`: a bounded parameter search over history, optionally walk-forward, on every core.
struct OptimizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract:
            "Search a strategy's parameters within its bounds over history (grid or random, optionally walk-forward) with the backtester's run options; write results.csv, folds.csv, best.json and report.html."
    )

    @Option(help: "Strategy name (\(StrategyCatalog.names.joined(separator: ", "))).") var strategy: String
    @Option(
        name: .customLong("param"),
        help: "A parameter's range, NAME=FROM:TO:STEP (or NAME=VALUE to fix it); repeat for several. Unnamed parameters keep their defaults.")
    var parameters: [String] = []
    @Option(help: "What to maximise: sharpe, sortino, calmar, return or profit_factor.") var objective = "sharpe"
    @Option(
        name: .customLong("constraint"),
        help: "A condition on a combination's figures, e.g. \"max_drawdown>-20\" or \"trades>=30\"; repeat for several.")
    var constraints: [String] = []
    @Option(help: "grid (every combination) or random:N (N of them, seeded by --seed).") var search = "grid"
    @Option(help: "Seed of --search random:N.") var seed: UInt64 = 1
    @Option(help: "Walk-forward folds, train=DURATION,test=DURATION[,step=DURATION] (d, h or w), e.g. train=180d,test=30d.")
    var walkForward: String?
    @Option(help: "Backtests run at once (default: one per core).") var workers: Int?
    @OptionGroup var history: HistoryOptions
    @OptionGroup var terms: BacktestRunOptions
    @Option(help: "Folder for results.csv, folds.csv, best.json and report.html.") var out: String
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let started = ContinuousClock.now
            let request = try makeRequest()
            let series = try await loadSeries()
            let optimizer = try request.optimizer(for: series)
            let workers = try workerCount()
            try createOutputFolder()
            let progress = ProgressLine(total: optimizer.trialCount, unit: "backtests", showAfter: .seconds(1))
            let trials = await optimizer.run(trials: Array(0..<optimizer.trialCount), on: series, workers: workers) { progress.update($0) }
            progress.finish()
            let outcome = optimizer.conclude(trials, on: series)
            let elapsed = ContinuousClock.now - started
            let files = OptimizationFiles(optimizer: optimizer, trials: trials, outcome: outcome, strategy: strategy, bars: series.count)
            try files.write(to: out, elapsed: elapsed, workers: workers)
            print(files.summary(elapsed: elapsed, workers: workers))
            print("wrote \(out)/results.csv, folds.csv, best.json, report.html")
            guard outcome.final != nil else {
                throw CLIError(
                    "no combination met the constraints (\(optimizer.constraints.map(\.description).joined(separator: ", "))) in any fold; results.csv has every combination's figures",
                    exitCode: 2)
            }
        }
    }

    func makeRequest() throws -> OptimizationRequest {
        do {
            return OptimizationRequest(
                space: try SearchSpace(strategy: strategy, parameters: parameters, search: try SearchMethod.parse(search, seed: seed)),
                objective: try Objective.parse(objective),
                constraints: try constraints.map { text throws(OptimizerError) in try StatisticConstraint.parse(text) },
                walkForward: try walkForward.map { text throws(OptimizerError) in try WalkForwardPlan.parse(text) },
                configuration: try terms.configuration(symbol: history.symbol)
            )
        } catch let error as OptimizerError {
            throw CLIError(error.description, exitCode: 2)
        }
    }

    func workerCount() throws -> Int {
        guard let workers else { return ProcessInfo.processInfo.activeProcessorCount }
        guard (1...256).contains(workers) else { throw CLIError("--workers \(workers) is not allowed; expected 1 to 256", exitCode: 2) }
        return workers
    }

    func createOutputFolder() throws {
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw CLIError("cannot create \(out): \(error.localizedDescription)")
        }
    }

    /// The whole history in memory, once, for every worker to read.
    func loadSeries() async throws -> BarSeries {
        var source = try await history.openSource(database: database)
        var candles: [Candle] = []
        try await source.feed { chunk, _ in candles += chunk }
        guard candles.count > 1 else { throw CLIError("only \(candles.count) candles to search on; give a longer range", exitCode: 2) }
        return BarSeries(candles: candles)
    }
}

/// A search as asked for, checked, before the data is read.
struct OptimizationRequest {
    var space: SearchSpace
    var objective: Objective
    var constraints: [StatisticConstraint]
    var walkForward: WalkForwardPlan?
    var configuration: BacktestConfiguration

    /// The optimiser over `series`: its folds, or one fold of all of it.
    func optimizer(for series: BarSeries) throws -> Optimizer {
        let start = series.start!
        let end = series.end!
        let folds: [Fold]
        if let walkForward {
            folds = walkForward.folds(start: start, end: end)
            guard !folds.isEmpty else {
                let days = end.timeIntervalSince(start) / 86_400
                throw CLIError(
                    "--walk-forward \(walkForward.text) needs \(WalkForwardPlan.text(walkForward.train + walkForward.test)) of data; the data covers \(String(format: "%.1f", days)) days; shorten the windows or give more data",
                    exitCode: 2)
            }
        } else {
            folds = [Fold(number: 1, train: start..<end, test: nil)]
        }
        return Optimizer(space: space, folds: folds, objective: objective, constraints: constraints, configuration: configuration)
    }
}
