import ArgumentParser
import Foundation
import KeelsonOptimizer
import KeelsonPersistence

/// `keelson optimize collect RUN`: the result of a distributed search, assembled from its shards' stored backtests.
struct OptimizeCollectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Assemble a recorded run's result from the backtests its shards stored: results.csv, folds.csv, best.json, report.html."
    )

    @Argument(help: "The run's key (`keelson optimize runs` lists them).") var runKey: String
    @Option(help: "Folder for the files.") var out: String
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let started = ContinuousClock.now
            guard
                let record = try await database.withClient({ client, _ in
                    try await PostgresOptimizationRunStore(client: client, logger: CLILogger.quiet).run(key: runKey)
                })
            else {
                throw CLIError(OptimizationRunStoreError.noSuchRun(key: runKey).description, exitCode: 2)
            }
            // The stored arguments rebuild the same search over the same data.
            let search: OptimizeSearchCommand
            do {
                search = try OptimizeSearchCommand.parse(record.arguments + ["--out", out, "--no-record"])
            } catch {
                throw CLIError(
                    "run \(runKey) has arguments this keelson cannot read (\(record.arguments.joined(separator: " "))); collect it with the version that started it"
                )
            }
            let request = try search.makeRequest()
            let series = try await search.loadSeries()
            let optimizer = try request.optimizer(for: series)
            guard series.count == record.bars, optimizer.trialCount == record.trials else {
                throw CLIError(
                    "the data of run \(runKey) has changed (\(series.count) bars now, \(record.bars) when it started); collect on the data it ran on",
                    exitCode: 2)
            }
            try OutputFolder.create(out)
            let recorder = OptimizationRecorder(key: record.key, id: record.id, shards: record.shards)
            let trials = try await recorder.trials(of: optimizer, database: database)
            let outcome = try await OptimizationRecorder.conclude(
                optimizer: optimizer, trials: trials, series: series, strategy: record.strategy, out: out, recorder: recorder, database: database,
                elapsed: ContinuousClock.now - started, workers: 0)
            try OptimizationRecorder.requireBest(outcome, of: optimizer)
        }
    }
}

/// `keelson optimize runs`: the recorded searches, newest first.
struct OptimizeRunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List recorded optimisation runs, newest first.")

    @Option(help: "How many runs to list.") var limit = 20
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            guard (1...1000).contains(limit) else { throw CLIError("--limit \(limit) is not allowed; expected 1 to 1000", exitCode: 2) }
            let runs = try await database.withClient { client, _ in
                try await PostgresOptimizationRunStore(client: client, logger: CLILogger.quiet).recent(limit: limit)
            }
            guard !runs.isEmpty else {
                print("no optimisation runs recorded yet")
                return
            }
            let rows = runs.map { run in
                [
                    run.key, run.strategy, run.status, run.objective, "\(run.trials)", run.shards == 1 ? "-" : "\(run.shards)",
                    run.bestParameters ?? "-", run.startedAt.formatted(.iso8601), run.durationSeconds.map { String(format: "%.1f s", $0) } ?? "-",
                    run.requestedBy, run.applyTo ?? "-",
                ]
            }
            print(
                TableFormatter.render(
                    header: ["RUN", "STRATEGY", "STATUS", "OBJECTIVE", "TRIALS", "SHARDS", "BEST", "STARTED", "TOOK", "BY", "FOR"], rows: rows))
        }
    }
}
