import KeelsonDomain
import KeelsonPersistence
import KeelsonStrategies
import Logging

/// Which signals reach the engine, by each instance's lifecycle state: buys only from active and probation
/// instances, sells from every instance that may hold a position. States come from `strategy_states`, read again
/// on every refresh, so a change made through any replica (or the database) takes effect here within one interval —
/// as does an instance applied from an optimisation run (`keelson strategies apply-params`), which is in no file.
actor StrategyLifecycleGate {
    let store: any StrategyLifecycleStore
    /// The instances of the strategies file.
    let configured: [StrategyInstance]
    let metrics: SignalsMetrics?
    let logger: Logger
    private var states: [String: StrategyStatus] = [:]
    private var applied: [StrategyInstance] = []
    private var registered = false
    /// Transitions made through this replica, numbered, so a refresh that was reading the store while one landed
    /// does not put back the state from before it (the actor is re-entered at the read).
    private var transitions: [(number: Int, instance: String, to: StrategyStatus)] = []
    private var transitionCount = 0
    /// Candidates whose shadow book has a start recorded.
    private var shadowStarted: Set<String> = []

    init(store: any StrategyLifecycleStore, instances: [StrategyInstance], metrics: SignalsMetrics?, logger: Logger) {
        self.store = store
        self.configured = instances
        self.metrics = metrics
        self.logger = logger
    }

    /// The file's instances, then those applied from optimisation runs, as of the last refresh.
    var instances: [StrategyInstance] { configured + applied }

    /// The first refresh records the configured instances that run (`"enabled": false` ones are not part of the
    /// portfolio); later ones read the stored states.
    func refresh() async throws {
        let readFrom = transitionCount
        let records = registered ? try await store.states() : try await store.register(configured.filter(\.enabled).map(\.registration))
        registered = true
        var fresh = records.mapValues(\.status)
        for transition in transitions where transition.number > readFrom { fresh[transition.instance] = transition.to }
        for (instance, status) in fresh where states[instance] != nil && states[instance] != status {
            logger.notice("strategy lifecycle changed", metadata: ["strategy": "\(instance)", "from": "\(states[instance]!)", "to": "\(status)"])
        }
        states = fresh
        shadowStarted.formUnion(records.values.filter { $0.shadowSince != nil }.map(\.instance))
        let nowApplied = records.values.compactMap { record in record.applied.flatMap(StrategyInstance.init(applied:)) }.sorted { $0.id < $1.id }
        for instance in nowApplied where !applied.contains(where: { $0.id == instance.id }) {
            logger.notice(
                "strategy instance applied from an optimisation run",
                metadata: [
                    "strategy": "\(instance.id)", "parameters": "\(instance.parameters.values)", "status": "\(fresh[instance.id] ?? .candidate)",
                ])
        }
        applied = nowApplied
        for instance in instances where instance.enabled {
            metrics?.lifecycleState(strategy: instance.id, status: fresh[instance.id] ?? instance.initialStatus)
        }
    }

    func status(of instance: String) async throws -> StrategyStatus {
        if !registered { try await refresh() }
        return states[instance] ?? instances.first { $0.id == instance }?.initialStatus ?? .candidate
    }

    /// Records the start of the shadow book of each candidate that `batch` is the first evaluated bars of: from the
    /// batch's newest bar, its signals count as shadow trades.
    func startShadows(for batch: [Candle]) async throws {
        guard let newest = batch.map(\.openTime).max() else { return }
        if !registered { try await refresh() }
        let starting = instances.filter { instance in
            (states[instance.id] ?? instance.initialStatus) == .candidate && !shadowStarted.contains(instance.id)
                && batch.contains { instance.applies(to: $0.symbol, interval: $0.interval) }
        }.map(\.id)
        guard !starting.isEmpty else { return }
        try await store.startShadow(starting, at: newest)
        shadowStarted.formUnion(starting)
    }

    /// The signals whose instance's state lets them trade; the others are counted and dropped (a candidate's trade only
    /// in its shadow book, which the lifecycle evaluator replays from the stored candles).
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
        transitionCount += 1
        transitions.append((transitionCount, transition.instance, transition.to))
        if transitions.count > 100 { transitions.removeFirst(transitions.count - 100) }
        states[transition.instance] = transition.to
        metrics?.lifecycleState(strategy: transition.instance, status: transition.to)
    }
}
