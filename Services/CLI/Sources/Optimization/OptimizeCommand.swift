import ArgumentParser
import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonOptimizer
import KeelsonStrategies

/// `keelson optimize`: a search (the default), `collect` of a distributed one, and the recorded `runs`.
struct OptimizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract:
            "Search a strategy's parameters within its bounds over history (grid or random, optionally walk-forward) with the backtester's run options; write results.csv, folds.csv, best.json and report.html.",
        subcommands: [OptimizeSearchCommand.self, OptimizeCollectCommand.self, OptimizeRunsCommand.self],
        defaultSubcommand: OptimizeSearchCommand.self
    )
}

/// `keelson optimize [search]`: a bounded parameter search over history, optionally walk-forward, on every core.
struct OptimizeSearchCommand: AsyncParsableCommand {
    @Option(help: "Strategy name (\(StrategyCatalog.builtFromParameters.map { $0.name }.joined(separator: ", "))).") var strategy: String
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
    @Option(help: "Folder for results.csv, folds.csv, best.json and report.html (a shard may leave it out).") var out: String?
    @Option(
        name: .customLong("run"), help: "The run's key in optimization_runs (default: a new one); every shard of a distributed run gives the same.")
    var runKey: String?
    @Option(help: "Run only shard INDEX of COUNT (0-based) of the combinations and store them under --run; the last shard writes the result.")
    var shard: String?
    @Flag(help: "Do not record the run in optimization_runs.") var noRecord = false
    @Option(
        name: .customLong("apply-to"),
        help:
            "An instance the result may replace: when the best's out-of-sample objective beats that of ID's current parameters on the same test windows by --margin, it is applied as a candidate (as `keelson strategies apply-params`). Needs --walk-forward."
    )
    var applyTo: String?
    @Option(help: "With --apply-to: how much (in the objective's units) the out-of-sample objective must beat the current parameters'.")
    var margin: Double = 0
    @Option(help: "With --apply-to: run only when ID has closed this many trades since its last re-optimisation (or --every-hours passed).")
    var everyTrades: Int?
    @Option(help: "With --apply-to: run only when this many hours have passed since ID's last re-optimisation (or --every-trades closed).")
    var everyHours: Double?
    @OptionGroup var database: DatabaseOptions

    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "The search itself (the default of `keelson optimize`): every combination backtested, the best per fold, the files."
    )

    func run() async throws {
        try await reportingErrors {
            let started = ContinuousClock.now
            let request = try makeRequest()
            let shard = try self.shard.map(ShardSpec.parse)
            if shard != nil, runKey == nil { throw CLIError("--shard needs --run KEY, the same for every shard of the run", exitCode: 2) }
            if shard != nil, noRecord { throw CLIError("--shard stores its backtests in the database; leave out --no-record", exitCode: 2) }
            if shard == nil, out == nil { throw CLIError("--out DIR is required (only a --shard may leave it out)", exitCode: 2) }
            if applyTo != nil {
                guard walkForward != nil else { throw CLIError("--apply-to compares out-of-sample results; give --walk-forward too", exitCode: 2) }
                guard !noRecord, shard == nil else {
                    throw CLIError("--apply-to needs a recorded run in one process (no --no-record, no --shard)", exitCode: 2)
                }
                guard margin.isFinite, margin >= 0 else { throw CLIError("--margin \(margin) is not allowed; expected a number ≥ 0", exitCode: 2) }
            }
            let schedule = ReoptimizationSchedule(everyTrades: everyTrades, everyHours: everyHours)
            try schedule.validate(applyTo: applyTo)
            if let applyTo, let notDue = try await schedule.notDue(instance: applyTo, database: database) {
                print(notDue)
                return
            }
            let series = try await loadSeries()
            let optimizer = try request.optimizer(for: series)
            let workers = try workerCount()
            if let out { try OutputFolder.create(out) }
            var recorder: OptimizationRecorder?
            if !noRecord {
                let record = OptimizationRecorder.record(
                    key: runKey ?? OptimizationRecorder.newKey(), command: self, optimizer: optimizer, series: series, shards: shard?.count ?? 1)
                do {
                    recorder = try await OptimizationRecorder.begin(record, database: database)
                } catch let error as CLIError where shard == nil && applyTo == nil {
                    FileHandle.standardError.write(
                        Data("keelson: note: this run is not recorded (\(error.message)); --no-record runs without a database\n".utf8))
                }
            }
            let numbers = shard.map { optimizer.shard($0.index, of: $0.count) } ?? Array(0..<optimizer.trialCount)
            let progress = ProgressLine(total: numbers.count, unit: "backtests", showAfter: .seconds(1))
            var trials = await optimizer.run(trials: numbers, on: series, workers: workers) { progress.update($0) }
            progress.finish()
            try await recorder?.save(trials, numbers: numbers, shard: shard?.index ?? 0, database: database)
            if let shard, let recorder {
                let stored = try await recorder.storedCount(database: database)
                print(
                    "shard \(shard.index)/\(shard.count): \(trials.count) backtests stored under run \(recorder.key) (\(stored) of \(optimizer.trialCount))"
                )
                guard stored == optimizer.trialCount else { return }
                print("every shard is in: assembling the result")
                trials = try await recorder.trials(of: optimizer, database: database)
            }
            let outcome = try await OptimizationRecorder.conclude(
                optimizer: optimizer, trials: trials, series: series, strategy: strategy, out: out, recorder: recorder, database: database,
                elapsed: ContinuousClock.now - started, workers: workers)
            if let applyTo, let recorder, let best = outcome.final?.best {
                try await ReoptimizationDecision.decide(
                    instance: applyTo, margin: margin, best: best, outcome: outcome, optimizer: optimizer, series: series, run: recorder.key,
                    database: database)
            }
            try OptimizationRecorder.requireBest(outcome, of: optimizer)
        }
    }

    /// The search as arguments that rebuild it: what `collect` and every shard parse again.
    var searchArguments: [String] {
        var arguments = ["--strategy", strategy] + parameters.flatMap { ["--param", $0] } + ["--objective", objective]
        arguments += constraints.flatMap { ["--constraint", $0] } + ["--search", search, "--seed", String(seed)]
        if let walkForward { arguments += ["--walk-forward", walkForward] }
        return arguments + history.arguments + terms.arguments
    }

    func makeRequest() throws -> OptimizationRequest {
        do {
            return OptimizationRequest(
                space: try SearchSpace(
                    strategy: strategy, parameters: parameters, search: try SearchMethod.parse(search, seed: seed),
                    riskBounds: try terms.riskSearchBounds()),
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

    /// The whole history in memory, once, for every worker to read, in columns: from the file's binary cache
    /// (`keelson data cache build`) when it is current, else read straight into them. Candles only for a file whose
    /// values do not fit columns.
    func loadSeries() async throws -> BarSeries {
        var source = try await history.openSource(database: database)
        if let columns = try await source.columns() {
            guard columns.cache.count > 1 else {
                throw CLIError("only \(columns.cache.count) candles to search on; give a longer range", exitCode: 2)
            }
            return BarSeries(cache: columns.cache, exchange: columns.exchange, symbol: columns.symbol, interval: columns.interval)
        }
        var candles: [Candle] = []
        var again = try await history.openSource(database: database)
        try await again.feed { chunk, _ in candles += chunk }
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
