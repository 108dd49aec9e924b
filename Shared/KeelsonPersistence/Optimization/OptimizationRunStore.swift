import Foundation
import Logging
import PostgresNIO

/// One search as recorded in `optimization_runs`: what was asked, over which data, and — once finished — what it found.
/// JSON fields are kept as text: the optimiser owns their shape.
public struct OptimizationRunRecord: Sendable, Equatable {
    public var id: Int64
    public var key: String
    public var strategy: String
    public var objective: String
    /// The `keelson optimize` arguments, so any process can rebuild the same search.
    public var arguments: [String]
    public var searchSpace: String
    public var requestedBy: String
    public var dataSource: String
    public var dataFrom: Date?
    public var dataTo: Date?
    public var bars: Int
    public var trials: Int
    public var shards: Int
    public var folds: String
    public var status: String
    public var bestParameters: String?
    public var results: String?
    public var startedAt: Date
    public var finishedAt: Date?
    public var durationSeconds: Double?
    /// The instance the search may replace (`--apply-to`), which a scheduled re-optimisation counts from.
    public var applyTo: String?

    public init(
        key: String, strategy: String, objective: String, arguments: [String], searchSpace: String, requestedBy: String, dataSource: String,
        dataFrom: Date?, dataTo: Date?, bars: Int, trials: Int, shards: Int, folds: String, applyTo: String? = nil
    ) {
        id = 0
        self.key = key
        self.strategy = strategy
        self.objective = objective
        self.arguments = arguments
        self.searchSpace = searchSpace
        self.requestedBy = requestedBy
        self.dataSource = dataSource
        self.dataFrom = dataFrom
        self.dataTo = dataTo
        self.bars = bars
        self.trials = trials
        self.shards = shards
        self.folds = folds
        self.applyTo = applyTo
        status = "running"
        startedAt = Date()
    }
}

/// One backtest of a search, stored by the shard that ran it.
public struct StoredTrial: Sendable, Equatable {
    public var trial: Int
    public var shard: Int
    public var fold: Int
    public var combination: Int
    /// The trial's statistics as JSON.
    public var statistics: String

    public init(trial: Int, shard: Int, fold: Int, combination: Int, statistics: String) {
        self.trial = trial
        self.shard = shard
        self.fold = fold
        self.combination = combination
        self.statistics = statistics
    }
}

public enum OptimizationRunStoreError: Error, Equatable, CustomStringConvertible {
    case argumentsDiffer(key: String)
    case noSuchRun(key: String)

    public var description: String {
        switch self {
        case .argumentsDiffer(let key):
            "optimization run \(key) exists with other arguments; every shard of a run must be started with the same ones (or choose another --run)"
        case .noSuchRun(let key): "no optimization run \(key); `keelson optimize runs` lists them"
        }
    }
}

/// `optimization_runs` and `optimization_trials`.
public struct PostgresOptimizationRunStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The run's id: a new row, or the existing one of the same key when its arguments are the same (another shard).
    public func begin(_ run: OptimizationRunRecord) async throws -> Int64 {
        let arguments = String(decoding: try JSONEncoder().encode(run.arguments), as: UTF8.self)
        let rows = try await client.query(
            """
            INSERT INTO optimization_runs (run_key, strategy, status, objective, search_space, arguments, requested_by, data_source, data_from,
                                           data_to, bars, trials, shards, folds, apply_to)
            VALUES (\(run.key), \(run.strategy), 'running', \(run.objective), \(run.searchSpace)::jsonb, \(arguments)::jsonb, \(run.requestedBy),
                    \(run.dataSource), \(run.dataFrom), \(run.dataTo), \(Int64(run.bars)), \(Int32(run.trials)), \(Int32(run.shards)), \(run.folds)::jsonb,
                    \(run.applyTo))
            ON CONFLICT (run_key) DO UPDATE SET run_key = EXCLUDED.run_key
            RETURNING id, arguments = \(arguments)::jsonb
            """, logger: logger)
        for try await (id, same) in rows.decode((Int64, Bool).self) {
            guard same else { throw OptimizationRunStoreError.argumentsDiffer(key: run.key) }
            return id
        }
        throw OptimizationRunStoreError.noSuchRun(key: run.key)
    }

    /// Stores a shard's trials in one transaction; a shard run again replaces its own rows.
    public func save(_ trials: [StoredTrial], run id: Int64) async throws {
        guard !trials.isEmpty else { return }
        try await client.query(
            """
            INSERT INTO optimization_trials (run_id, trial, shard, fold, combination, statistics)
            SELECT \(id), t.trial, t.shard, t.fold, t.combination, t.statistics::jsonb
            FROM unnest(\(trials.map { Int32($0.trial) })::int4[], \(trials.map { Int32($0.shard) })::int4[], \(trials.map { Int32($0.fold) })::int4[],
                        \(trials.map { Int32($0.combination) })::int4[], \(trials.map(\.statistics))::text[])
                 AS t(trial, shard, fold, combination, statistics)
            ON CONFLICT (run_id, trial) DO UPDATE SET shard = EXCLUDED.shard, statistics = EXCLUDED.statistics
            """, logger: logger)
    }

    public func trialCount(run id: Int64) async throws -> Int {
        let rows = try await client.query("SELECT count(*) FROM optimization_trials WHERE run_id = \(id)", logger: logger)
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    /// Every stored trial of the run, in trial order.
    public func trials(run id: Int64) async throws -> [StoredTrial] {
        let rows = try await client.query(
            "SELECT trial, shard, fold, combination, statistics::text FROM optimization_trials WHERE run_id = \(id) ORDER BY trial", logger: logger)
        var trials: [StoredTrial] = []
        for try await (trial, shard, fold, combination, statistics) in rows.decode((Int32, Int32, Int32, Int32, String).self) {
            trials.append(StoredTrial(trial: Int(trial), shard: Int(shard), fold: Int(fold), combination: Int(combination), statistics: statistics))
        }
        return trials
    }

    /// Records the outcome: `succeeded` with the best parameters (nil when no combination met the constraints) or `failed`.
    public func finish(run id: Int64, succeeded: Bool, bestParameters: String?, results: String?, durationSeconds: Double) async throws {
        try await client.query(
            """
            UPDATE optimization_runs SET status = \(succeeded ? "succeeded" : "failed"), best_parameters = \(bestParameters)::jsonb,
                   results = \(results)::jsonb, duration_seconds = \(durationSeconds), finished_at = now()
            WHERE id = \(id)
            """, logger: logger)
    }

    /// The newest finished re-optimisation of `instance` (a succeeded run with `--apply-to` it): its key and start.
    public func lastReoptimization(of instance: String) async throws -> (key: String, startedAt: Date)? {
        let rows = try await client.query(
            """
            SELECT run_key, started_at FROM optimization_runs
            WHERE apply_to = \(instance) AND status = 'succeeded' AND run_key IS NOT NULL ORDER BY started_at DESC LIMIT 1
            """, logger: logger)
        for try await (key, startedAt) in rows.decode((String, Date).self) { return (key, startedAt) }
        return nil
    }

    public func run(key: String) async throws -> OptimizationRunRecord? {
        try await select(key: key, limit: 1).first
    }

    /// The newest runs first.
    public func recent(limit: Int) async throws -> [OptimizationRunRecord] {
        try await select(key: nil, limit: limit)
    }

    private func select(key: String?, limit: Int) async throws -> [OptimizationRunRecord] {
        let rows = try await client.query(
            """
            SELECT id, run_key, strategy, objective, arguments::text, search_space::text, requested_by, data_source, data_from, data_to,
                   coalesce(bars, 0), coalesce(trials, 0), shards, coalesce(folds, '[]')::text, status, best_parameters::text,
                   results::text, started_at, finished_at, duration_seconds, apply_to
            FROM optimization_runs WHERE run_key IS NOT NULL AND (\(key)::text IS NULL OR run_key = \(key))
            ORDER BY started_at DESC, id DESC LIMIT \(Int64(limit))
            """, logger: logger)
        var records: [OptimizationRunRecord] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            var record = OptimizationRunRecord(
                key: try cells[1].decode(String.self), strategy: try cells[2].decode(String.self), objective: try cells[3].decode(String.self),
                arguments: (try? JSONDecoder().decode([String].self, from: Data(try cells[4].decode(String.self).utf8))) ?? [],
                searchSpace: try cells[5].decode(String.self), requestedBy: try cells[6].decode(String.self),
                dataSource: try cells[7].decode(String.self),
                dataFrom: try cells[8].decode(Date?.self), dataTo: try cells[9].decode(Date?.self), bars: Int(try cells[10].decode(Int64.self)),
                trials: Int(try cells[11].decode(Int32.self)), shards: Int(try cells[12].decode(Int32.self)), folds: try cells[13].decode(String.self)
            )
            record.id = try cells[0].decode(Int64.self)
            record.status = try cells[14].decode(String.self)
            record.bestParameters = try cells[15].decode(String?.self)
            record.results = try cells[16].decode(String?.self)
            record.startedAt = try cells[17].decode(Date.self)
            record.finishedAt = try cells[18].decode(Date?.self)
            record.durationSeconds = try cells[19].decode(Double?.self)
            record.applyTo = try cells[20].decode(String?.self)
            records.append(record)
        }
        return records
    }
}
