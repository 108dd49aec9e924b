import Foundation

/// Histogram gradient-boosted trees for binary classification with the log-loss: each tree fits the gradient
/// of the loss at the current raw scores (Newton leaf values −G/(H + λ)), the probability is the sigmoid of
/// the baseline log-odds plus every tree's score.
public struct GradientBoostedTrees: Sendable, Equatable, Codable {
    /// log(p / (1 − p)) of the training labels' mean: the model before any tree.
    public var baseline: Double
    public var trees: [RegressionTree]

    public struct Fit: Sendable {
        public var model: GradientBoostedTrees
        /// Trees kept (early stopping may stop before `settings.iterations`).
        public var iterations: Int
        /// The validation log-loss per iteration when early stopping was on.
        public var validationLosses: [Double]
    }

    public static func fit(_ matrix: FeatureMatrix, labels: [Double], settings: BoostingSettings) throws(ModelError) -> Fit {
        guard matrix.rows == labels.count, matrix.rows >= 2 * settings.minSamplesLeaf else {
            throw ModelError(
                "there are \(matrix.rows) rows to train on; gbdt needs at least \(2 * settings.minSamplesLeaf) (twice min_samples_leaf); give more data"
            )
        }
        var trainRows = matrix.rows
        var validation: FeatureMatrix?
        if settings.earlyStopping {
            let held = Int((Double(matrix.rows) * settings.validationFraction).rounded(.up))
            guard held >= 1, matrix.rows - held >= 2 * settings.minSamplesLeaf else {
                throw ModelError("too few rows (\(matrix.rows)) to hold back a validation set; give more data or early_stopping=false")
            }
            trainRows = matrix.rows - held
            validation = matrix.rows(trainRows..<matrix.rows)
        }
        let training = validation == nil ? matrix : matrix.rows(0..<trainRows)
        let trainLabels = Array(labels[0..<trainRows])
        let validationLabels = Array(labels[trainRows...])

        let mean = min(max(trainLabels.reduce(0, +) / Double(trainRows), 1e-15), 1 - 1e-15)
        let baseline = log(mean / (1 - mean))
        let binning = FeatureBinning(training, maxBins: settings.maxBins, seed: settings.seed)
        let grower = TreeGrower(
            bins: binning.binned(training), rows: trainRows, binCounts: binning.thresholds.map { $0.count + 1 }, settings: settings)

        var model = GradientBoostedTrees(baseline: baseline, trees: [])
        var raw = [Double](repeating: baseline, count: trainRows)
        var validationRaw = [Double](repeating: baseline, count: validationLabels.count)
        var gradients = [Double](repeating: 0, count: trainRows)
        var hessians = [Double](repeating: 0, count: trainRows)
        var indices = (0..<Int32(trainRows)).map { $0 }
        var losses: [Double] = []
        for _ in 0..<settings.iterations {
            for row in 0..<trainRows {
                let p = LogisticRegression.sigmoid(raw[row])
                gradients[row] = p - trainLabels[row]
                hessians[row] = p * (1 - p)
            }
            let (tree, leafRanges) = grower.grow(indices: &indices, gradients: gradients, hessians: hessians, thresholds: binning.thresholds)
            for (node, range) in leafRanges {
                let value = tree.value[node]
                for position in range { raw[Int(indices[position])] += value }
            }
            model.trees.append(tree)
            if let validation {
                validation.values.withUnsafeBufferPointer { values in
                    for row in 0..<validation.rows {
                        validationRaw[row] += tree.score(
                            UnsafeBufferPointer(rebasing: values[row * validation.columns..<(row + 1) * validation.columns]))
                    }
                }
                losses.append(Self.logLoss(validationRaw, validationLabels))
                if Self.shouldStop(losses, settings: settings) { break }
            }
        }
        return Fit(model: model, iterations: model.trees.count, validationLosses: losses)
    }

    /// scikit-learn's rule: stop when none of the last `patience` losses improved on the one before them by
    /// more than the tolerance.
    static func shouldStop(_ losses: [Double], settings: BoostingSettings) -> Bool {
        guard losses.count > settings.patience else { return false }
        let reference = losses[losses.count - settings.patience - 1]
        return !losses.suffix(settings.patience).contains { $0 < reference - settings.tolerance }
    }

    static func logLoss(_ raw: [Double], _ labels: [Double]) -> Double {
        var total = 0.0
        for (z, y) in zip(raw, labels) { total += max(z, 0) + log1p(exp(-abs(z))) - y * z }
        return total / Double(max(labels.count, 1))
    }

    @inlinable
    public func rawScore(_ row: UnsafeBufferPointer<Double>) -> Double {
        var score = baseline
        for tree in trees { score += tree.score(row) }
        return score
    }

    public func probability(_ row: [Double]) -> Double {
        row.withUnsafeBufferPointer { LogisticRegression.sigmoid(rawScore($0)) }
    }
}
