import Foundation
import KeelsonBacktest
import KeelsonOptimizer
import KeelsonPersistence

/// `INDEX/COUNT` of `--shard`.
struct ShardSpec: Equatable {
    var index: Int
    var count: Int

    static func parse(_ text: String) throws(CLIError) -> ShardSpec {
        let parts = text.split(separator: "/").map { Int($0) }
        guard parts.count == 2, let index = parts[0], let count = parts[1], count >= 1, count <= 10_000, (0..<count).contains(index) else {
            throw CLIError("--shard \(text) is not INDEX/COUNT with 0 ≤ INDEX < COUNT, e.g. --shard 0/3", exitCode: 2)
        }
        return ShardSpec(index: index, count: count)
    }
}

/// A search's row in optimization_runs and its trials in optimization_trials: begun before the backtests, the
/// trials stored by whichever process ran them, finished with what was found.
struct OptimizationRecorder {
    let key: String
    let id: Int64
    let shards: Int

    static func newKey(now: Date = Date()) -> String {
        let stamp = now.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: false).dateSeparator(.omitted).timeSeparator(.omitted))
        return "opt-\(stamp.replacingOccurrences(of: "T", with: "-"))-\(String(UInt16.random(in: .min ... .max), radix: 16))"
    }

    /// Who runs this: `KEELSON_REQUESTED_BY`, else user@host (recorded with runs and applied parameters).
    static var requester: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["KEELSON_REQUESTED_BY"] ?? "\(environment["USER"] ?? "unknown")@\(ProcessInfo.processInfo.hostName)"
    }

    static func record(key: String, command: OptimizeSearchCommand, optimizer: Optimizer, series: BarSeries, shards: Int) -> OptimizationRunRecord {
        struct Space: Encodable {
            var parameters: [String]
            var search: String
            var combinations: Int
        }
        struct FoldWindow: Encodable {
            var number: Int
            var trainFrom: Date, trainTo: Date
            var testFrom: Date?, testTo: Date?
        }
        let space = Space(parameters: command.parameters, search: command.search, combinations: optimizer.space.combinations.count)
        let folds = optimizer.folds.map {
            FoldWindow(
                number: $0.number, trainFrom: $0.train.lowerBound, trainTo: $0.train.upperBound, testFrom: $0.test?.lowerBound,
                testTo: $0.test?.upperBound)
        }
        return OptimizationRunRecord(
            key: key, strategy: command.strategy, objective: command.objective, arguments: command.searchArguments,
            searchSpace: json(space),
            requestedBy: requester, dataSource: command.history.description, dataFrom: series.start, dataTo: series.end, bars: series.count,
            trials: optimizer.trialCount, shards: shards, folds: json(folds), applyTo: command.applyTo)
    }

    static func begin(_ record: OptimizationRunRecord, database: DatabaseOptions) async throws -> OptimizationRecorder {
        let id = try await database.withClient { client, _ in
            do {
                return try await PostgresOptimizationRunStore(client: client, logger: CLILogger.quiet).begin(record)
            } catch let error as OptimizationRunStoreError {
                throw CLIError(error.description, exitCode: 2)
            }
        }
        return OptimizationRecorder(key: record.key, id: id, shards: record.shards)
    }

    func save(_ trials: [Trial], numbers: [Int], shard: Int, database: DatabaseOptions) async throws {
        let stored = try zip(numbers, trials).map { number, trial in
            StoredTrial(trial: number, shard: shard, fold: trial.fold, combination: trial.combination, statistics: try Self.encode(trial.statistics))
        }
        try await database.withClient { client, _ in
            try await PostgresOptimizationRunStore(client: client, logger: CLILogger.quiet).save(stored, run: id)
        }
    }

    func storedCount(database: DatabaseOptions) async throws -> Int {
        try await database.withClient { client, _ in
            try await PostgresOptimizationRunStore(client: client, logger: CLILogger.quiet).trialCount(run: id)
        }
    }

    /// Every trial of the run from the database, checked against the search it belongs to.
    func trials(of optimizer: Optimizer, database: DatabaseOptions) async throws -> [Trial] {
        let stored = try await database.withClient { client, _ in
            try await PostgresOptimizationRunStore(client: client, logger: CLILogger.quiet).trials(run: id)
        }
        guard stored.count == optimizer.trialCount else {
            let present = Set(stored.map(\.trial))
            let missing = Set((0..<optimizer.trialCount).filter { !present.contains($0) }.map { $0 % shards }).sorted()
            throw CLIError(
                "run \(key) has \(stored.count) of \(optimizer.trialCount) backtests; shard\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(shards)" }.joined(separator: ", ")) not stored yet; run \(missing.count == 1 ? "it" : "them") with the same arguments",
                exitCode: 2)
        }
        return try stored.map { row in
            let key = optimizer.key(ofTrial: row.trial)
            guard key.fold == row.fold, key.combination == row.combination else {
                throw CLIError("run \(self.key): stored backtest \(row.trial) is of another search; start a new --run", exitCode: 2)
            }
            return Trial(fold: row.fold, combination: row.combination, statistics: try Self.decode(row.statistics))
        }
    }

    /// The best per fold, the files, the printed summary and the run's outcome.
    static func conclude(
        optimizer: Optimizer, trials: [Trial], series: BarSeries, strategy: String, out: String?, recorder: OptimizationRecorder?,
        database: DatabaseOptions, elapsed: Duration, workers: Int
    ) async throws -> OptimizationOutcome {
        let outcome = optimizer.conclude(trials, on: series)
        var files = OptimizationFiles(optimizer: optimizer, trials: trials, outcome: outcome, strategy: strategy, bars: series.count)
        files.run = recorder?.key
        if let out {
            try files.write(to: out, elapsed: elapsed, workers: workers)
        }
        print(files.summary(elapsed: elapsed, workers: workers))
        if let out { print("wrote \(out)/results.csv, folds.csv, best.json, report.html") }
        if let recorder {
            let best = outcome.final?.best.map { json($0.parameters) }
            let results = try files.bestJSON(elapsed: elapsed, workers: workers)
            try await database.withClient { client, _ in
                try await PostgresOptimizationRunStore(client: client, logger: CLILogger.quiet).finish(
                    run: recorder.id, succeeded: true, bestParameters: best, results: results, durationSeconds: OptimizationFiles.seconds(elapsed))
            }
            print("recorded as optimization run \(recorder.key)")
        }
        return outcome
    }

    /// Exit 2 when no combination met the constraints in any fold (the files are written first).
    static func requireBest(_ outcome: OptimizationOutcome, of optimizer: Optimizer) throws {
        guard outcome.final != nil else {
            throw CLIError(
                "no combination met the constraints (\(optimizer.constraints.map(\.description).joined(separator: ", "))) in any fold; results.csv has every combination's figures",
                exitCode: 2)
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()

    static func json(_ value: some Encodable) -> String {
        // Plain values of this file only; they always encode.
        String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    static func encode(_ statistics: BacktestStatistics) throws -> String {
        String(decoding: try encoder.encode(statistics), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> BacktestStatistics {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(BacktestStatistics.self, from: Data(text.utf8))
        } catch {
            throw CLIError("a stored backtest cannot be read back (\(error)); start a new --run", exitCode: 2)
        }
    }
}
