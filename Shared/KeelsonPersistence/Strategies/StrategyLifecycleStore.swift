import Foundation
import KeelsonStrategies
import Logging
import PostgresNIO

/// A configured strategy instance as the lifecycle records it.
public struct StrategyRegistration: Sendable, Equatable {
    public var instance: String
    public var strategy: String
    public var symbols: [String]
    public var interval: String
    public var parametersJSON: String
    /// The state a newly configured instance starts in.
    public var initialStatus: StrategyStatus

    public init(instance: String, strategy: String, symbols: [String], interval: String, parametersJSON: String, initialStatus: StrategyStatus) {
        self.instance = instance
        self.strategy = strategy
        self.symbols = symbols
        self.interval = interval
        self.parametersJSON = parametersJSON
        self.initialStatus = initialStatus
    }
}

public struct StrategyStateRecord: Sendable, Equatable {
    public var instance: String
    public var status: StrategyStatus
    public var reason: String
    public var changedAt: Date
    /// In the strategies file the signal service last started with (and enabled there), or applied from an
    /// optimisation run.
    public var configured: Bool
    /// The definition of an instance applied from an optimisation run (it is in no strategies file); nil for the file's.
    public var applied: StrategyRegistration?
    /// A candidate's: the market time its shadow book trades from; nil until the signal service first evaluated it.
    public var shadowSince: Date?

    public init(
        instance: String, status: StrategyStatus, reason: String, changedAt: Date, configured: Bool = true, applied: StrategyRegistration? = nil,
        shadowSince: Date? = nil
    ) {
        self.shadowSince = shadowSince
        self.instance = instance
        self.status = status
        self.reason = reason
        self.changedAt = changedAt
        self.configured = configured
        self.applied = applied
    }
}

/// Parameters from an optimisation run applied to an instance: a new candidate instance trades them beside it.
public struct ParameterApplication: Sendable, Equatable {
    /// The instance whose parameters are changed.
    public var instance: String
    /// The candidate that trades the new parameters.
    public var appliedAs: String
    /// The strategy the run searched, which must be the instance's.
    public var strategy: String
    /// The run's best parameters; the instance's others are kept.
    public var parameters: [String: Double]
    public var runKey: String
    public var reason: String
    public var actor: String

    public init(
        instance: String, appliedAs: String, strategy: String, parameters: [String: Double], runKey: String, reason: String, actor: String
    ) {
        self.instance = instance
        self.appliedAs = appliedAs
        self.strategy = strategy
        self.parameters = parameters
        self.runKey = runKey
        self.reason = reason
        self.actor = actor
    }
}

/// What applying parameters did: the parameters before and after, and the new candidate's state.
public struct AppliedParameters: Sendable, Equatable {
    public var strategy: String
    public var previous: [String: Double]
    public var parameters: [String: Double]
    public var candidate: StrategyStateRecord
}

/// What the lifecycle rules would do with an instance, in manual mode; a nil target: nothing.
public struct StrategyRecommendation: Sendable, Equatable {
    public var instance: String
    public var target: StrategyStatus?
    public var reason: String?

    public init(instance: String, target: StrategyStatus?, reason: String?) {
        self.instance = instance
        self.target = target
        self.reason = reason
    }
}

/// A lifecycle transition as it was made.
public struct StrategyTransition: Sendable, Equatable {
    public var instance: String
    public var from: StrategyStatus
    public var to: StrategyStatus

    public init(instance: String, from: StrategyStatus, to: StrategyStatus) {
        self.instance = instance
        self.from = from
        self.to = to
    }
}

public enum StrategyLifecycleError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownInstance(String, known: [String])
    case refused(instance: String, StrategyLifecycleRefusal)
    case instanceExists(String)
    case otherStrategy(instance: String, runs: String, searched: String)

    public var description: String {
        switch self {
        case .unknownInstance(let id, let known):
            "no strategy instance '\(id)'; known: \(known.joined(separator: ", ")) (keelson strategies list)"
        case .refused(let id, let refusal): "\(id) cannot change: \(refusal.description)"
        case .instanceExists(let id): "an instance '\(id)' exists already; name the candidate with --as NEW_ID"
        case .otherStrategy(let id, let runs, let searched): "the parameters are of \(searched); \(id) runs \(runs)"
        }
    }
}

/// `strategy_states` and `strategy_lifecycle_events`: every status change is one event row, in the same transaction.
public protocol StrategyLifecycleStore: Sendable {
    /// Records the configured instances: new ones start in their initial state (with an event), known ones keep
    /// theirs and get the configuration as it is now; instances no longer configured are marked so. Returns all states.
    func register(_ instances: [StrategyRegistration]) async throws -> [String: StrategyStateRecord]
    func states() async throws -> [String: StrategyStateRecord]
    /// Records what the lifecycle rules would do (manual mode), for several instances in one statement; a nil target
    /// clears an instance's recommendation.
    func recommend(_ recommendations: [StrategyRecommendation]) async throws
    /// Moves an instance to the state `decide` picks from its current one; refused moves throw and change nothing.
    func transition(
        instance: String, reason: String, actor: String, figures: [String: String],
        decide: @escaping @Sendable (StrategyStatus) -> Result<StrategyStatus, StrategyLifecycleRefusal>
    ) async throws -> StrategyTransition
    /// Starts the shadow books of these candidates at `marketTime`; one already started keeps its start.
    func startShadow(_ instances: [String], at marketTime: Date) async throws
    /// Records candidates' shadow figures as of this evaluation, by instance.
    func recordShadowFigures(_ figures: [String: [String: String]]) async throws
}

public struct PostgresStrategyLifecycleStore: StrategyLifecycleStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func register(_ instances: [StrategyRegistration]) async throws -> [String: StrategyStateRecord] {
        try await client.transaction(logger: logger) { connection in
            for instance in instances {
                let initial = instance.initialStatus.rawValue
                let reason = "configured in the strategies file as \(initial)"
                let inserted = try await connection.query(
                    """
                    INSERT INTO strategy_states (instance, strategy, symbols, "interval", parameters, configured, status, status_reason)
                    VALUES (\(instance.instance), \(instance.strategy), \(instance.symbols), \(instance.interval),
                            \(instance.parametersJSON)::jsonb, true, \(initial), \(reason))
                    ON CONFLICT (instance) DO UPDATE SET strategy = EXCLUDED.strategy, symbols = EXCLUDED.symbols,
                        "interval" = EXCLUDED."interval", parameters = EXCLUDED.parameters, configured = true, origin = 'file',
                        derived_from = NULL, updated_at = now()
                    RETURNING (xmax = 0)
                    """, logger: logger
                ).collect()
                if try inserted.first?.decode(Bool.self) == true {
                    try await connection.query(
                        """
                        INSERT INTO strategy_lifecycle_events (instance, from_status, to_status, reason, actor)
                        VALUES (\(instance.instance), NULL, \(initial), \(reason), 'config')
                        """, logger: logger)
                }
            }
            let configured = instances.map(\.instance)
            try await connection.query(
                """
                UPDATE strategy_states SET configured = false, updated_at = now()
                WHERE configured AND origin = 'file' AND NOT (instance = ANY(\(configured)))
                """,
                logger: logger)
            return try await Self.states(on: connection, logger: logger)
        }
    }

    public func states() async throws -> [String: StrategyStateRecord] {
        try await client.withOpenConnection { connection in try await Self.states(on: connection, logger: logger) }
    }

    public func recommend(_ recommendations: [StrategyRecommendation]) async throws {
        guard !recommendations.isEmpty else { return }
        // '' stands for none in the arrays: unnest of text[] with NULLs is awkward to bind.
        let instances = recommendations.map(\.instance)
        let targets = recommendations.map { $0.target?.rawValue ?? "" }
        let reasons = recommendations.map { $0.reason ?? "" }
        try await client.perform(
            """
            UPDATE strategy_states s SET recommendation = nullif(r.target, ''), recommendation_reason = nullif(r.reason, ''),
                recommended_at = CASE WHEN r.target = '' THEN NULL
                                      WHEN s.recommendation IS NOT DISTINCT FROM r.target THEN s.recommended_at ELSE now() END
            FROM unnest(\(instances)::text[], \(targets)::text[], \(reasons)::text[]) AS r(instance, target, reason)
            WHERE s.instance = r.instance
              AND (s.recommendation IS DISTINCT FROM nullif(r.target, '') OR s.recommendation_reason IS DISTINCT FROM nullif(r.reason, ''))
            """, logger: logger)
    }

    public func transition(
        instance: String, reason: String, actor: String, figures: [String: String],
        decide: @escaping @Sendable (StrategyStatus) -> Result<StrategyStatus, StrategyLifecycleRefusal>
    ) async throws -> StrategyTransition {
        try await client.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT status FROM strategy_states WHERE instance = \(instance) FOR UPDATE", logger: logger
            ).collect()
            guard let text = try rows.first?.decode(String.self), let current = StrategyStatus(rawValue: text) else {
                let known = try await Self.states(on: connection, logger: logger).keys.sorted()
                throw StrategyLifecycleError.unknownInstance(instance, known: known)
            }
            let target: StrategyStatus
            switch decide(current) {
            case .success(let status): target = status
            case .failure(let refusal): throw StrategyLifecycleError.refused(instance: instance, refusal)
            }
            let figuresJSON = String(decoding: try JSONEncoder().encode(figures), as: UTF8.self)
            try await connection.query(
                """
                UPDATE strategy_states SET status = \(target.rawValue), status_reason = \(reason), status_changed_at = now(), updated_at = now(),
                    recommendation = NULL, recommendation_reason = NULL, recommended_at = NULL
                WHERE instance = \(instance)
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO strategy_lifecycle_events (instance, from_status, to_status, reason, actor, figures)
                VALUES (\(instance), \(current.rawValue), \(target.rawValue), \(reason), \(actor), \(figuresJSON)::jsonb)
                """, logger: logger)
            return StrategyTransition(instance: instance, from: current, to: target)
        }
    }

    public func startShadow(_ instances: [String], at marketTime: Date) async throws {
        guard !instances.isEmpty else { return }
        try await client.perform(
            """
            UPDATE strategy_states SET shadow_since = \(marketTime)
            WHERE instance = ANY(\(instances)) AND status = 'candidate' AND shadow_since IS NULL
            """, logger: logger)
    }

    public func recordShadowFigures(_ figures: [String: [String: String]]) async throws {
        guard !figures.isEmpty else { return }
        let instances = Array(figures.keys)
        let documents = try instances.map { String(decoding: try JSONEncoder().encode(figures[$0]!), as: UTF8.self) }
        try await client.perform(
            """
            UPDATE strategy_states s SET shadow_figures = f.figures::jsonb
            FROM unnest(\(instances)::text[], \(documents)::text[]) AS f(instance, figures)
            WHERE s.instance = f.instance
            """, logger: logger)
    }

    static func states(on connection: PostgresConnection, logger: Logger) async throws -> [String: StrategyStateRecord] {
        let rows = try await connection.query(
            """
            SELECT instance, status, status_reason, status_changed_at, configured, origin, strategy, symbols, "interval", parameters::text,
                   shadow_since
            FROM strategy_states
            """, logger: logger)
        var result: [String: StrategyStateRecord] = [:]
        for try await (instance, status, reason, changed, configured, origin, strategy, symbols, interval, parameters, shadowSince) in rows.decode(
            (String, String, String, Date, Bool, String, String, [String], String, String, Date?).self)
        {
            guard let status = StrategyStatus(rawValue: status) else { continue }
            // Instances applied from an optimisation run or added by an operator live only here, not in the file.
            let applied =
                origin != "file"
                ? StrategyRegistration(
                    instance: instance, strategy: strategy, symbols: symbols, interval: interval, parametersJSON: parameters,
                    initialStatus: .candidate)
                : nil
            result[instance] = StrategyStateRecord(
                instance: instance, status: status, reason: reason, changedAt: changed, configured: configured, applied: applied,
                shadowSince: shadowSince)
        }
        return result
    }

    /// An instance's strategy and parameters as stored; nil for an unknown instance.
    public func parameters(of instance: String) async throws -> (strategy: String, parameters: [String: Double])? {
        return try await client.read("SELECT strategy, parameters::text FROM strategy_states WHERE instance = \(instance)", logger: logger) { rows in
            for try await (strategy, text) in rows.decode((String, String).self) {
                return (strategy, (try? JSONDecoder().decode([String: Double].self, from: Data(text.utf8))) ?? [:])
            }
            return nil
        }
    }

    /// Adds an instance an operator asked for, as a candidate, in one transaction: its row (origin `added`), its first
    /// lifecycle event and an audit row. The signal service loads it at its next refresh.
    public func add(_ registration: StrategyRegistration, reason: String, actor: String) async throws -> StrategyStateRecord {
        try await client.transaction(logger: logger) { connection in
            let inserted = try await connection.query(
                """
                INSERT INTO strategy_states (instance, strategy, symbols, "interval", parameters, configured, status, status_reason, origin)
                VALUES (\(registration.instance), \(registration.strategy), \(registration.symbols), \(registration.interval),
                        \(registration.parametersJSON)::jsonb, true, 'candidate', \(reason), 'added')
                ON CONFLICT (instance) DO NOTHING
                RETURNING status_changed_at
                """, logger: logger
            ).collect()
            guard let changedAt = try inserted.first?.decode(Date.self) else { throw StrategyLifecycleError.instanceExists(registration.instance) }
            try await connection.query(
                """
                INSERT INTO strategy_lifecycle_events (instance, from_status, to_status, reason, actor)
                VALUES (\(registration.instance), NULL, 'candidate', \(reason), \(actor))
                """, logger: logger)
            try await PostgresAuditLog.record(
                AuditEntry(
                    actorKeyID: nil, actorName: actor, action: "strategy.add", reason: reason, outcome: "ok", sourceAddress: nil,
                    detail: [
                        "instance": registration.instance, "strategy": registration.strategy, "symbols": registration.symbols.joined(separator: ","),
                        "interval": registration.interval, "parameters": registration.parametersJSON,
                    ]),
                on: connection, logger: logger)
            var candidate = registration
            candidate.initialStatus = .candidate
            return StrategyStateRecord(
                instance: registration.instance, status: .candidate, reason: reason, changedAt: changedAt, configured: true, applied: candidate)
        }
    }

    /// Applies an optimisation run's parameters to an instance, in one transaction: a new candidate instance with the
    /// instance's symbols and interval and the parameters merged (the run's win), its first lifecycle event, and a
    /// `parameter_history` row with the parameters before and after, the reason, the actor and the run.
    public func apply(_ application: ParameterApplication) async throws -> AppliedParameters {
        try await client.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT strategy, symbols, "interval", parameters::text FROM strategy_states WHERE instance = \(application.instance) FOR UPDATE
                """, logger: logger
            ).collect()
            guard let row = rows.first else {
                let known = try await Self.states(on: connection, logger: logger).keys.sorted()
                throw StrategyLifecycleError.unknownInstance(application.instance, known: known)
            }
            let (strategy, symbols, interval, parametersText) = try row.decode((String, [String], String, String).self)
            guard strategy == application.strategy else {
                throw StrategyLifecycleError.otherStrategy(instance: application.instance, runs: strategy, searched: application.strategy)
            }
            let previous = (try? JSONDecoder().decode([String: Double].self, from: Data(parametersText.utf8))) ?? [:]
            let merged = previous.merging(application.parameters) { _, new in new }
            let mergedJSON = String(decoding: try JSONEncoder().encode(merged), as: UTF8.self)
            let reason = "parameters of optimisation run \(application.runKey) applied to \(application.instance): \(application.reason)"
            let inserted = try await connection.query(
                """
                INSERT INTO strategy_states (instance, strategy, symbols, "interval", parameters, configured, status, status_reason, origin, derived_from)
                VALUES (\(application.appliedAs), \(strategy), \(symbols), \(interval), \(mergedJSON)::jsonb, true, 'candidate', \(reason), 'applied',
                        \(application.instance))
                ON CONFLICT (instance) DO NOTHING
                RETURNING status_changed_at
                """, logger: logger
            ).collect()
            guard let changedAt = try inserted.first?.decode(Date.self) else { throw StrategyLifecycleError.instanceExists(application.appliedAs) }
            try await connection.query(
                """
                INSERT INTO strategy_lifecycle_events (instance, from_status, to_status, reason, actor)
                VALUES (\(application.appliedAs), NULL, 'candidate', \(reason), \(application.actor))
                """, logger: logger)
            let previousJSON = String(decoding: try JSONEncoder().encode(previous), as: UTF8.self)
            try await connection.query(
                """
                INSERT INTO parameter_history (strategy, parameters, source, instance, previous, reason, actor, run_key, applied_as)
                VALUES (\(strategy), \(mergedJSON)::jsonb, 'optimizer', \(application.instance), \(previousJSON)::jsonb, \(application.reason),
                        \(application.actor), \(application.runKey), \(application.appliedAs))
                """, logger: logger)
            try await PostgresAuditLog.record(
                AuditEntry(
                    actorKeyID: nil, actorName: application.actor, action: "strategy.apply_params", reason: application.reason, outcome: "ok",
                    sourceAddress: nil,
                    detail: [
                        "instance": application.instance, "applied_as": application.appliedAs, "run": application.runKey, "parameters": mergedJSON,
                    ]),
                on: connection, logger: logger)
            let candidate = StrategyStateRecord(
                instance: application.appliedAs, status: .candidate, reason: reason, changedAt: changedAt, configured: true,
                applied: StrategyRegistration(
                    instance: application.appliedAs, strategy: strategy, symbols: symbols, interval: interval, parametersJSON: mergedJSON,
                    initialStatus: .candidate))
            return AppliedParameters(strategy: strategy, previous: previous, parameters: merged, candidate: candidate)
        }
    }
}
