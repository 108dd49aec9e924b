import Foundation
import KeelsonModels
import Logging
import PostgresNIO

/// A model version as the registry lists it (the artefact itself is read only when a version is loaded).
public struct ModelVersionRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var version: Int
    public var kind: String
    public var label: String
    public var features: [String]
    public var hyperParameters: [String: String]
    public var trainingFrom: Date
    public var trainingTo: Date
    public var trainingRows: Int
    public var testFrom: Date?
    public var testTo: Date?
    public var testRows: Int?
    /// The model's metrics as JSON (test, walk-forward, baseline), as in model.json.
    public var metrics: String
    public var sha256: String
    public var dataSource: String
    public var trainedBy: String
    public var state: String
    public var createdAt: Date
}

/// One recorded decision about a version.
public struct ModelEvent: Sendable, Equatable {
    public var modelID: Int64
    public var from: String?
    public var to: String
    public var reason: String
    public var actor: String
    public var figures: String?
    public var at: Date
}

public enum ModelRegistryError: Error, Equatable, CustomStringConvertible {
    case noSuchModel(id: Int64)
    case cannotMove(id: Int64, from: String, to: String)
    case unusable(id: Int64, reason: String)

    public var description: String {
        switch self {
        case let .noSuchModel(id): "no model \(id); `keelson model list` lists them"
        case let .cannotMove(id, from, to):
            from == to
                ? "model \(id) is already \(to)"
                : "model \(id) is \(from) and cannot become \(to)\(to == "active" ? "" : "; only a candidate or the active version can be retired")"
        case let .unusable(id, reason): "model \(id) cannot be used: \(reason)"
        }
    }
}

/// `model_versions` and `model_events`: registering a version and every change of its state write an event in
/// the same transaction; promoting a version retires the name's active one in that transaction too, so a name
/// never has two active versions (a partial unique index enforces it as well).
public struct PostgresModelRegistry: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Registers `model` as the next version of `name`, a candidate.
    public func register(
        _ model: TrainedModel, name: String, dataSource: String, trainedBy: String, reason: String
    ) async throws -> ModelVersionRecord {
        let artefact = try ModelArtefact.encode(model)
        let sha256 = ModelArtefact.sha256(artefact)
        let frozen = String(decoding: try JSONEncoder().encode(model.features), as: UTF8.self)
        let parameters = String(decoding: try JSONEncoder().encode(model.hyperParameters), as: UTF8.self)
        let metricsEncoder = JSONEncoder()
        metricsEncoder.dateEncodingStrategy = .iso8601
        let metrics = String(decoding: try metricsEncoder.encode(model.metrics), as: UTF8.self)
        let id = try await client.transaction(logger: logger) { connection in
            // One registration of a name at a time, so two trainings cannot take the same version number.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('model_versions:' || \(name)))", logger: logger)
            let rows = try await connection.query(
                """
                INSERT INTO model_versions (name, version, kind, features, label, hyper_parameters, training_from, training_to, training_rows,
                                            test_from, test_to, test_rows, metrics, artefact, artefact_sha256, data_source, trained_by)
                SELECT \(name), coalesce(max(version), 0) + 1, \(model.kind), \(frozen)::jsonb, \(model.label.description), \(parameters)::jsonb,
                       \(model.training.from), \(model.training.to), \(Int32(model.training.rows)), \(model.test?.from), \(model.test?.to),
                       \(model.test.map { Int32($0.rows) }), \(metrics)::jsonb, \(artefact), \(sha256), \(dataSource), \(trainedBy)
                FROM model_versions WHERE name = \(name)
                RETURNING id
                """, logger: logger)
            var id: Int64 = 0
            for try await value in rows.decode(Int64.self) { id = value }
            try await connection.query(
                """
                INSERT INTO model_events (model_id, from_state, to_state, reason, actor, figures)
                VALUES (\(id), NULL, 'candidate', \(reason), \(trainedBy), \(metrics)::jsonb)
                """, logger: logger)
            return id
        }
        guard let record = try await versions(id: id).first else { throw ModelRegistryError.noSuchModel(id: id) }
        return record
    }

    /// Versions, newest first; of one name when given.
    public func list(name: String? = nil, limit: Int = 100) async throws -> [ModelVersionRecord] {
        try await select(name: name, id: nil, state: nil, limit: limit)
    }

    public func versions(id: Int64) async throws -> [ModelVersionRecord] {
        try await select(name: nil, id: id, state: nil, limit: 1)
    }

    /// The version's model, verified: its artefact must hash to the recorded SHA-256 and be a model this build
    /// can compute and serve.
    public func load(id: Int64) async throws -> (record: ModelVersionRecord, model: TrainedModel) {
        guard let record = try await versions(id: id).first else { throw ModelRegistryError.noSuchModel(id: id) }
        let bytes = try await client.read("SELECT artefact FROM model_versions WHERE id = \(id)", logger: logger) { rows in
            var bytes = Data()
            for try await value in rows.decode(Data.self) { bytes = value }
            return bytes
        }
        do {
            return (record, try ModelArtefact.decode(bytes, expectedSHA256: record.sha256, origin: "model \(id)"))
        } catch {
            throw ModelRegistryError.unusable(id: id, reason: error.description.replacingOccurrences(of: "model \(id): ", with: ""))
        }
    }

    /// The active version of every name (the records; `load` reads and verifies a version's artefact).
    public func activeVersions() async throws -> [ModelVersionRecord] {
        try await select(name: nil, id: nil, state: "active", limit: 10_000)
    }

    /// Makes a candidate (or a retired version, to roll back) the active version of its name; the version it
    /// replaces is retired in the same transaction. A version whose artefact cannot be served is refused.
    public func promote(id: Int64, reason: String, actor: String, figures: String? = nil) async throws -> ModelVersionRecord {
        _ = try await load(id: id)
        return try await move(id: id, to: "active", allowedFrom: ["candidate", "retired"], reason: reason, actor: actor, figures: figures)
    }

    public func retire(id: Int64, reason: String, actor: String, figures: String? = nil) async throws -> ModelVersionRecord {
        try await move(id: id, to: "retired", allowedFrom: ["candidate", "active"], reason: reason, actor: actor, figures: figures)
    }

    /// Records a retraining: the new version registered, then promoted when the decision says so (retiring
    /// `activeID`) or retired, with the three log-losses and the margin as the decision's figures.
    public func recordRetraining(
        _ decision: ModelRetraining.Decision, name: String, activeID: Int64, dataSource: String, actor: String
    ) async throws -> ModelVersionRecord {
        let figures = String(
            decoding: try JSONEncoder().encode([
                "candidate_log_loss": decision.candidateLogLoss, "active_log_loss": decision.activeLogLoss,
                "baseline_log_loss": decision.baselineLogLoss, "margin": decision.margin,
            ]), as: UTF8.self)
        let candidate = try await register(
            decision.candidate, name: name, dataSource: dataSource, trainedBy: actor, reason: "retrained from model \(activeID)")
        return decision.promote
            ? try await promote(id: candidate.id, reason: decision.reason, actor: actor, figures: figures)
            : try await retire(id: candidate.id, reason: decision.reason, actor: actor, figures: figures)
    }

    /// Runs `body` holding the name's retraining lock (a session advisory lock), so of several replicas on a
    /// schedule one retrains a name at a time; nil, without running it, when another holds the lock. The lock goes
    /// with the session if the process dies mid-training.
    public func whileRetraining<Result: Sendable>(name: String, _ body: () async throws -> Result) async throws -> Result? {
        try await client.withOpenConnection { connection in
            let key = "model_retrain:\(name)"
            let rows = try await connection.query("SELECT pg_try_advisory_lock(hashtext(\(key)))", logger: logger)
            var locked = false
            for try await value in rows.decode(Bool.self) { locked = value }
            guard locked else { return nil }
            let result: Result
            do {
                result = try await body()
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext(\(key)))", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(hashtext(\(key)))", logger: logger)
            return result
        }
    }

    /// When the newest version of `name` was registered (trained by hand or retrained, whatever became of it).
    public func newestRegistration(name: String) async throws -> Date? {
        try await client.read("SELECT max(created_at) FROM model_versions WHERE name = \(name)", logger: logger) { rows in
            var newest: Date?
            for try await value in rows.decode(Date?.self) { newest = value }
            return newest
        }
    }

    public func events(id: Int64) async throws -> [ModelEvent] {
        try await client.read(
            """
            SELECT model_id, from_state, to_state, reason, actor, figures::text, at FROM model_events WHERE model_id = \(id) ORDER BY at, id
            """, logger: logger
        ) { rows in
            var events: [ModelEvent] = []
            for try await (model, from, to, reason, actor, figures, at) in rows.decode((Int64, String?, String, String, String, String?, Date).self) {
                events.append(ModelEvent(modelID: model, from: from, to: to, reason: reason, actor: actor, figures: figures, at: at))
            }
            return events
        }
    }

    private func move(id: Int64, to state: String, allowedFrom: [String], reason: String, actor: String, figures: String?) async throws
        -> ModelVersionRecord
    {
        try await client.transaction(logger: logger) { connection in
            let rows = try await connection.query("SELECT name, state FROM model_versions WHERE id = \(id) FOR UPDATE", logger: logger)
            var current: (name: String, state: String)?
            for try await (name, state) in rows.decode((String, String).self) { current = (name, state) }
            guard let current else { throw ModelRegistryError.noSuchModel(id: id) }
            guard allowedFrom.contains(current.state) else { throw ModelRegistryError.cannotMove(id: id, from: current.state, to: state) }
            if state == "active" {
                try await connection.query(
                    """
                    WITH replaced AS (
                        UPDATE model_versions SET state = 'retired' WHERE name = \(current.name) AND state = 'active' RETURNING id
                    )
                    INSERT INTO model_events (model_id, from_state, to_state, reason, actor)
                    SELECT replaced.id, 'active', 'retired', 'replaced by model ' || \(id) || ': ' || \(reason), \(actor) FROM replaced
                    """, logger: logger)
            }
            try await connection.query("UPDATE model_versions SET state = \(state) WHERE id = \(id)", logger: logger)
            try await connection.query(
                """
                INSERT INTO model_events (model_id, from_state, to_state, reason, actor, figures)
                VALUES (\(id), \(current.state), \(state), \(reason), \(actor), \(figures)::jsonb)
                """, logger: logger)
        }
        guard let record = try await versions(id: id).first else { throw ModelRegistryError.noSuchModel(id: id) }
        return record
    }

    private func select(name: String?, id: Int64?, state: String?, limit: Int) async throws -> [ModelVersionRecord] {
        try await client.read(
            """
            SELECT id, name, version, kind, label, features::text, hyper_parameters::text, training_from, training_to, training_rows,
                   test_from, test_to, test_rows, metrics::text, artefact_sha256, data_source, trained_by, state, created_at
            FROM model_versions
            WHERE (\(name)::text IS NULL OR name = \(name)) AND (\(id)::int8 IS NULL OR id = \(id)) AND (\(state)::text IS NULL OR state = \(state))
            ORDER BY id DESC LIMIT \(Int64(limit))
            """, logger: logger
        ) { rows in try await Self.records(rows) }
    }

    private static func records(_ rows: PostgresRowSequence) async throws -> [ModelVersionRecord] {
        var records: [ModelVersionRecord] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            let frozen = try JSONDecoder().decode([TrainedModel.FrozenFeature].self, from: Data(try cells[5].decode(String.self).utf8))
            records.append(
                ModelVersionRecord(
                    id: try cells[0].decode(Int64.self), name: try cells[1].decode(String.self), version: Int(try cells[2].decode(Int32.self)),
                    kind: try cells[3].decode(String.self), label: try cells[4].decode(String.self), features: frozen.map(\.name.description),
                    hyperParameters: try JSONDecoder().decode([String: String].self, from: Data(try cells[6].decode(String.self).utf8)),
                    trainingFrom: try cells[7].decode(Date.self), trainingTo: try cells[8].decode(Date.self),
                    trainingRows: Int(try cells[9].decode(Int32.self)), testFrom: try cells[10].decode(Date?.self),
                    testTo: try cells[11].decode(Date?.self), testRows: try cells[12].decode(Int32?.self).map(Int.init),
                    metrics: try cells[13].decode(String.self), sha256: try cells[14].decode(String.self),
                    dataSource: try cells[15].decode(String.self), trainedBy: try cells[16].decode(String.self),
                    state: try cells[17].decode(String.self), createdAt: try cells[18].decode(Date.self)))
        }
        return records
    }
}
