import KeelsonPersistence
import KeelsonStrategies
import Logging

/// Which signals reach the engine, by each instance's lifecycle state: buys only from active and probation
/// instances, sells from every instance that may hold a position. States come from `strategy_states`, read again
/// on every refresh, so a change made through any replica (or the database) takes effect here within one interval.
actor StrategyLifecycleGate {
    let store: any StrategyLifecycleStore
    let instances: [StrategyInstance]
    let metrics: SignalsMetrics?
    let logger: Logger
    private var states: [String: StrategyStatus] = [:]
    private var registered = false

    init(store: any StrategyLifecycleStore, instances: [StrategyInstance], metrics: SignalsMetrics?, logger: Logger) {
        self.store = store
        self.instances = instances
        self.metrics = metrics
        self.logger = logger
    }

    /// The first refresh records the configured instances that run (`"enabled": false` ones are not part of the
    /// portfolio); later ones read the stored states.
    func refresh() async throws {
        let records = registered ? try await store.states() : try await store.register(instances.filter(\.enabled).map(\.registration))
        registered = true
        let fresh = records.mapValues(\.status)
        for (instance, status) in fresh where states[instance] != nil && states[instance] != status {
            logger.notice("strategy lifecycle changed", metadata: ["strategy": "\(instance)", "from": "\(states[instance]!)", "to": "\(status)"])
        }
        states = fresh
        for instance in instances where instance.enabled {
            metrics?.lifecycleState(strategy: instance.id, status: fresh[instance.id] ?? instance.initialStatus)
        }
    }

    func status(of instance: String) async throws -> StrategyStatus {
        if !registered { try await refresh() }
        return states[instance] ?? instances.first { $0.id == instance }?.initialStatus ?? .candidate
    }

    /// The signals whose instance's state lets them trade; the others are counted and dropped.
    func admit(_ produced: [(strategy: String, signal: StrategySignal)]) async throws -> [(strategy: String, signal: StrategySignal)] {
        if !registered { try await refresh() }
        var admitted: [(strategy: String, signal: StrategySignal)] = []
        for item in produced {
            let status = states[item.strategy] ?? .candidate
            let allowed = item.signal.side == .buy ? status.takesEntries : status.takesExits
            if allowed {
                admitted.append(item)
            } else {
                metrics?.signalSuppressed(strategy: item.strategy)
            }
        }
        return admitted
    }

    /// A transition made through this replica takes effect at once.
    func apply(_ transition: StrategyTransition) {
        states[transition.instance] = transition.to
        metrics?.lifecycleState(strategy: transition.instance, status: transition.to)
    }
}
