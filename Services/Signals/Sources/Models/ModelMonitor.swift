import KeelsonDomain
import KeelsonModels

/// What the served models do live, per strategy instance and symbol: the population stability of each feature
/// against its training deciles and the hit rate of the "up" calls, the two signs that a model no longer fits
/// the market. Owned by the evaluator, which feeds it every bar an ml_classifier instance scores.
struct ModelMonitor {
    struct Key: Hashable {
        var instance: String
        var symbol: Symbol
    }

    struct Track {
        var modelID: Int64
        var features: [FeatureName]
        /// nil for a feature whose model was trained before deciles were kept.
        var drift: [PopulationStability?]
        var hits: LiveHitRate
    }

    /// Fewer live values than this say little about a distribution; the index is reported from then on.
    static let minimumObservations = 100

    private(set) var tracks: [Key: Track] = [:]

    /// Records a bar scored by `served`; returns the track as it now stands and the outcome of the "up" call this
    /// bar resolved (true for a hit), if any.
    mutating func observe(_ key: Key, served: ServedModel, close: Double, probability: Double?, features: [Double]) -> (track: Track, outcome: Bool?) {
        var track = tracks[key].flatMap { $0.modelID == served.record.id ? $0 : nil } ?? Self.track(for: served)
        let outcome = track.hits.observe(close: close, probability: probability)
        if probability != nil {
            for (index, value) in features.enumerated() where index < track.drift.count { track.drift[index]?.observe(value) }
        }
        tracks[key] = track
        return (track, outcome)
    }

    /// The bars between the last one seen and the next were not fed here (a rebuild replayed them), so the
    /// predictions still waiting for their outcome cannot be resolved.
    mutating func skipped(_ key: Key) {
        tracks[key]?.hits.dropPending()
    }

    mutating func forget(instance: String) {
        tracks = tracks.filter { $0.key.instance != instance }
    }

    static func track(for served: ServedModel) -> Track {
        Track(
            modelID: served.record.id, features: served.model.featureNames,
            drift: served.model.features.map { $0.distribution.map { PopulationStability(distribution: $0) } },
            hits: LiveHitRate(horizon: served.model.label.horizon))
    }
}
