import Foundation
import KeelsonDomain
import KeelsonModels
import KeelsonPersistence
import KeelsonStrategies

/// Runs the configured strategies over closed candles. Indicator state lives only in a cache: when the cache
/// does not end exactly at the stored candle before a batch (a restart, another replica took the previous
/// batch, a duplicate push), the strategy is rebuilt by replaying stored history — so any replica gives the
/// same signals as one that never stopped.
public actor StrategyEvaluator {
    struct Key: Hashable {
        var instance: String
        var exchange: String
        var symbol: Symbol
        var interval: CandleInterval
    }

    struct State {
        var strategy: any Strategy
        var lastOpenTime: Date
    }

    private(set) var instances: [StrategyInstance]
    let candles: any CandleStore
    /// How many stored bars a rebuild replays; long enough that EMA-based indicators have converged.
    let historyBars: Int
    let metrics: SignalsMetrics?
    private var cache: [Key: State] = [:]
    /// The active version of each model name, for the ml_classifier instances (`ModelServer` keeps it current).
    private(set) var models: [String: ServedModel] = [:]
    private var monitor = ModelMonitor()
    /// The exchange each series last arrived from, the default of an analysis that names none.
    private var exchanges: [String: String] = [:]

    init(instances: [StrategyInstance], candles: any CandleStore, historyBars: Int = 10_000, metrics: SignalsMetrics?) {
        self.instances = instances
        self.candles = candles
        self.historyBars = historyBars
        self.metrics = metrics
    }

    /// The instances to run from now on (the lifecycle gate's, which grow when parameters are applied); a new one
    /// starts by replaying stored history like any rebuild.
    func use(_ instances: [StrategyInstance]) {
        guard instances != self.instances else { return }
        let ids = Set(instances.map(\.id))
        cache = cache.filter { ids.contains($0.key.instance) }
        self.instances = instances
    }

    /// The model versions to trade on from now on; an instance whose model's version changed starts again from
    /// stored history with the new version, its live figures with it.
    func use(models: [String: ServedModel]) {
        for instance in instances {
            guard let name = instance.model, models[name]?.record.id != self.models[name]?.record.id else { continue }
            cache = cache.filter { $0.key.instance != instance.id }
            monitor.forget(instance: instance.id)
        }
        self.models = models
    }

    func lastExchange(symbol: Symbol, interval: CandleInterval) -> String? {
        exchanges["\(symbol) \(interval)"]
    }

    /// What the served models did live: one report per instance and symbol trading on version `modelID`.
    func monitoring(modelID: Int64) -> [(instance: String, symbol: Symbol, track: ModelMonitor.Track)] {
        monitor.tracks.filter { $0.value.modelID == modelID }.map { ($0.key.instance, $0.key.symbol, $0.value) }
            .sorted { ($0.instance, $0.symbol.rawValue) < ($1.instance, $1.symbol.rawValue) }
    }

    /// Feeds `batch` (any order, duplicates allowed) through every enabled instance for its symbol and interval,
    /// bar by bar, and returns the signals computed on those bars.
    public func evaluate(_ batch: [Candle]) async throws -> [(strategy: String, signal: StrategySignal)] {
        var results: [(strategy: String, signal: StrategySignal)] = []
        let groups = Dictionary(grouping: batch) { Key(instance: "", exchange: $0.exchange, symbol: $0.symbol, interval: $0.interval) }
        for (group, members) in groups.sorted(by: {
            ($0.key.exchange, $0.key.symbol, $0.key.interval.rawValue) < ($1.key.exchange, $1.key.symbol, $1.key.interval.rawValue)
        }) {
            exchanges["\(group.symbol) \(group.interval)"] = group.exchange
            var byTime: [Date: Candle] = [:]
            for candle in members { byTime[candle.openTime] = candle }
            let ordered = byTime.values.sorted { $0.openTime < $1.openTime }
            for instance in instances where instance.applies(to: group.symbol, interval: group.interval) {
                var key = group
                key.instance = instance.id
                let signals = try await evaluate(instance, key: key, candles: ordered)
                results += signals.map { (instance.id, $0) }
            }
        }
        return results
    }

    private func evaluate(_ instance: StrategyInstance, key: Key, candles ordered: [Candle]) async throws -> [StrategySignal] {
        guard let first = ordered.first else { return [] }
        let previousStored = try await candles.latestOpenTime(
            exchange: key.exchange, symbol: key.symbol, interval: key.interval, before: first.openTime)
        if let state = cache[key], state.lastOpenTime.epochMilliseconds == previousStored?.epochMilliseconds {
            return feed(ordered, into: state.strategy, key: key)
        }
        var served: ServedModel?
        if let name = instance.model {
            // Not served yet (no active version, or it was refused): the instance waits; the model routes say why.
            guard let model = models[name] else { return [] }
            served = model
        }
        let history = try await candles.candles(
            exchange: key.exchange, symbol: key.symbol, interval: key.interval, before: first.openTime, limit: historyBars)
        var strategy = try instance.makeStrategy(served: served)
        monitor.skipped(ModelMonitor.Key(instance: key.instance, symbol: key.symbol))
        for candle in history { _ = strategy.evaluate(candle, bar: candle.ohlcv) }
        metrics?.rebuilt(strategy: key.instance)
        if let last = history.last {
            cache[key] = State(strategy: strategy, lastOpenTime: last.openTime)
        }
        return feed(ordered, into: strategy, key: key)
    }

    private func feed(_ ordered: [Candle], into strategy: any Strategy, key: Key) -> [StrategySignal] {
        if var classifier = strategy as? MLClassifier, let name = instances.first(where: { $0.id == key.instance })?.model,
            let served = models[name]
        {
            let signals = feed(ordered, into: &classifier, served: served, key: key)
            if let last = ordered.last { cache[key] = State(strategy: classifier, lastOpenTime: last.openTime) }
            return signals
        }
        var strategy = strategy
        let start = ContinuousClock.now
        var signals: [StrategySignal] = []
        for candle in ordered { signals += strategy.evaluate(candle, bar: candle.ohlcv) }
        if let last = ordered.last { cache[key] = State(strategy: strategy, lastOpenTime: last.openTime) }
        metrics?.evaluated(strategy: key.instance, bars: ordered.count, duration: ContinuousClock.now - start)
        return signals
    }

    /// A served model's bars, each prediction timed and handed to the monitor with the features behind it.
    private func feed(_ ordered: [Candle], into classifier: inout MLClassifier, served: ServedModel, key: Key) -> [StrategySignal] {
        let batchStart = ContinuousClock.now
        let monitorKey = ModelMonitor.Key(instance: key.instance, symbol: key.symbol)
        var signals: [StrategySignal] = []
        var track: ModelMonitor.Track?
        for candle in ordered {
            let bar = candle.ohlcv
            let start = ContinuousClock.now
            signals += classifier.evaluate(candle, bar: bar)
            metrics?.predicted(model: served.record.name, duration: ContinuousClock.now - start)
            let observed = monitor.observe(
                monitorKey, served: served, close: bar.close, probability: classifier.lastProbability, features: classifier.lastFeatures)
            if let hit = observed.outcome { metrics?.resolved(model: served.record.name, hit: hit) }
            track = observed.track
        }
        if let track { metrics?.monitored(model: served.record.name, instance: key.instance, symbol: key.symbol, track: track) }
        metrics?.evaluated(strategy: key.instance, bars: ordered.count, duration: ContinuousClock.now - batchStart)
        return signals
    }
}
