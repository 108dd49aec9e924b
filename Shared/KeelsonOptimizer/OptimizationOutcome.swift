import Foundation
import KeelsonBacktest

/// What one fold found: the best accepted combination on its train window and how it did on the test window.
public struct FoldOutcome: Sendable {
    public var fold: Fold
    /// Trials of the fold that met every constraint.
    public var accepted: Int
    public var best: Combination?
    public var inSample: Double?
    public var inSampleStatistics: BacktestStatistics?
    public var test: BacktestResult?
    public var outOfSample: Double?

    init(fold: Fold, accepted: Int, best: Combination? = nil, inSample: Double? = nil, inSampleStatistics: BacktestStatistics? = nil) {
        self.fold = fold
        self.accepted = accepted
        self.best = best
        self.inSample = inSample
        self.inSampleStatistics = inSampleStatistics
    }

    /// Walk-forward efficiency: out-of-sample over in-sample, when in-sample is positive.
    public var efficiency: Double? {
        guard let inSample, let outOfSample, inSample > 0 else { return nil }
        return outOfSample / inSample
    }
}

/// A search's conclusion: per fold, overall, and how steady the chosen parameters were from fold to fold.
public struct OptimizationOutcome: Sendable {
    public struct Stability: Sendable, Equatable {
        public var parameter: String
        /// The value chosen in each fold that had a best, in fold order.
        public var chosen: [Double]
        /// Standard deviation over the absolute mean: 0 when every fold chose the same value.
        public var coefficientOfVariation: Double?
    }

    public var folds: [FoldOutcome]
    public var stability: [Stability]

    init(folds: [FoldOutcome], searched: [String]) {
        self.folds = folds
        stability = searched.map { name in
            let chosen = folds.compactMap { $0.best?.parameters[name] }
            guard !chosen.isEmpty else { return Stability(parameter: name, chosen: [], coefficientOfVariation: nil) }
            let mean = chosen.reduce(0, +) / Double(chosen.count)
            let variance = chosen.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(chosen.count)
            return Stability(parameter: name, chosen: chosen, coefficientOfVariation: mean == 0 ? nil : variance.squareRoot() / abs(mean))
        }
    }

    /// The fold that decides the answer: the last one with a best (the most recent data).
    public var final: FoldOutcome? { folds.last { $0.best != nil } }

    public var inSampleMean: Double? { Self.mean(folds.compactMap(\.inSample)) }
    public var outOfSampleMean: Double? { Self.mean(folds.compactMap { $0.best == nil ? nil : $0.outOfSample }) }

    /// Mean out-of-sample over mean in-sample, when the latter is positive.
    public var efficiency: Double? {
        guard let inSampleMean, let outOfSampleMean, inSampleMean > 0 else { return nil }
        return outOfSampleMean / inSampleMean
    }

    /// The test windows' equity curves joined end to end, each scaled to start where the one before ended: what the
    /// walk-forward would have earned trading each fold's choice on the data it had not seen.
    public var stitchedOutOfSampleEquity: [(time: Date, equity: Double)] {
        var stitched: [(time: Date, equity: Double)] = []
        var carried: Double?
        for fold in folds {
            guard let test = fold.test, !test.equityCurve.isEmpty else { continue }
            let scale = carried.map { $0 / test.statistics.initialEquity } ?? 1
            stitched += test.equityCurve.map { (time: $0.time, equity: $0.equity * scale) }
            carried = test.statistics.finalEquity * scale
        }
        return stitched
    }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }
}
