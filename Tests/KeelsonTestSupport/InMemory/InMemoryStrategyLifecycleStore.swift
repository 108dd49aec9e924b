import Foundation
import KeelsonPersistence
import KeelsonStrategies

/// `strategy_states` and `strategy_lifecycle_events` in memory, with the PostgreSQL store's rules: a new instance
/// starts in its initial state with an event, a known one keeps its state, one no longer in the file is marked
/// unconfigured, a refused move changes nothing, every move is one event and clears the recommendation.
public actor InMemoryStrategyLifecycleStore: StrategyLifecycleStore {
    public struct Event: Sendable, Equatable {
        public var instance: String
        public var from: StrategyStatus?
        public var to: StrategyStatus
        public var reason: String
        public var actor: String

        public init(instance: String, from: StrategyStatus?, to: StrategyStatus, reason: String, actor: String) {
            self.instance = instance
            self.from = from
            self.to = to
            self.reason = reason
            self.actor = actor
        }
    }

    public private(set) var records: [String: StrategyStateRecord] = [:]
    public private(set) var events: [Event] = []
    public private(set) var recommendations: [String: StrategyRecommendation] = [:]
    public private(set) var shadowFigures: [String: [String: String]] = [:]

    public init() {}

    public func register(_ instances: [StrategyRegistration]) async throws -> [String: StrategyStateRecord] {
        for instance in instances where records[instance.instance] == nil {
            let reason = "configured in the strategies file as \(instance.initialStatus.rawValue)"
            records[instance.instance] = StrategyStateRecord(
                instance: instance.instance, status: instance.initialStatus, reason: reason, changedAt: .now)
            events.append(Event(instance: instance.instance, from: nil, to: instance.initialStatus, reason: reason, actor: "config"))
        }
        let configured = Set(instances.map(\.instance))
        for (id, record) in records where record.applied == nil {
            records[id]?.configured = configured.contains(id)
        }
        return records
    }

    public func states() async throws -> [String: StrategyStateRecord] { records }

    public func recommend(_ recommendations: [StrategyRecommendation]) async throws {
        for recommendation in recommendations where records[recommendation.instance] != nil {
            self.recommendations[recommendation.instance] = recommendation.target == nil ? nil : recommendation
        }
    }

    public func transition(
        instance: String, reason: String, actor: String, figures: [String: String],
        decide: @escaping @Sendable (StrategyStatus) -> Result<StrategyStatus, StrategyLifecycleRefusal>
    ) async throws -> StrategyTransition {
        guard let current = records[instance]?.status else {
            throw StrategyLifecycleError.unknownInstance(instance, known: records.keys.sorted())
        }
        let target: StrategyStatus
        switch decide(current) {
        case .success(let status): target = status
        case .failure(let refusal): throw StrategyLifecycleError.refused(instance: instance, refusal)
        }
        records[instance]?.status = target
        records[instance]?.reason = reason
        records[instance]?.changedAt = .now
        recommendations[instance] = nil
        events.append(Event(instance: instance, from: current, to: target, reason: reason, actor: actor))
        return StrategyTransition(instance: instance, from: current, to: target)
    }

    public func startShadow(_ instances: [String], at marketTime: Date) async throws {
        for id in instances where records[id]?.status == .candidate && records[id]?.shadowSince == nil {
            records[id]?.shadowSince = marketTime
        }
    }

    public func recordShadowFigures(_ figures: [String: [String: String]]) async throws {
        shadowFigures.merge(figures) { $1 }
    }
}
