import Foundation

/// How well probabilities predicted labels, on rows the model did not train on.
public struct ClassificationMetrics: Sendable, Equatable, Codable {
    /// Mean negative log-likelihood (natural log); 0.6931 is a coin toss.
    public var logLoss: Double
    /// Area under the ROC curve: the chance that a random 1-row scores above a random 0-row (0.5 = no skill);
    /// nil when the rows hold only one label.
    public var auc: Double?
    /// Share of rows where probability ≥ 0.5 named the label.
    public var accuracy: Double
    /// Mean squared difference between probability and label.
    public var brier: Double
    /// Expected calibration error over ten probability bins: how far, on average, the predicted probability is
    /// from the observed frequency of 1s in its bin.
    public var calibrationError: Double
    /// Of the rows where the model says "up" (probability > 0.5), the share that went up: how often a signal
    /// taken on the prediction would have been right. nil when the model never says up.
    public var hitRate: Double?
    /// Share of 1-rows: what always answering "up" would score as accuracy.
    public var baseRate: Double
    public var rows: Int

    enum CodingKeys: String, CodingKey {
        case logLoss = "log_loss"
        case auc, accuracy, brier, rows
        case calibrationError = "calibration_error"
        case hitRate = "hit_rate"
        case baseRate = "base_rate"
    }

    public init(probabilities: [Double], labels: [Double]) {
        precondition(probabilities.count == labels.count && !labels.isEmpty, "metrics need one probability per label")
        let n = Double(labels.count)
        var logLoss = 0.0
        var correct = 0
        var brier = 0.0
        var ups = 0
        var upsRight = 0
        var positives = 0
        var binSums = [Double](repeating: 0, count: 10)
        var binLabels = [Double](repeating: 0, count: 10)
        var binCounts = [Int](repeating: 0, count: 10)
        let epsilon = 1e-15
        for (p, y) in zip(probabilities, labels) {
            let clipped = min(max(p, epsilon), 1 - epsilon)
            logLoss -= y * log(clipped) + (1 - y) * log(1 - clipped)
            if (p >= 0.5 ? 1.0 : 0.0) == y { correct += 1 }
            brier += (p - y) * (p - y)
            if p > 0.5 {
                ups += 1
                if y == 1 { upsRight += 1 }
            }
            if y == 1 { positives += 1 }
            let bin = min(Int(p * 10), 9)
            binSums[bin] += p
            binLabels[bin] += y
            binCounts[bin] += 1
        }
        self.logLoss = logLoss / n
        accuracy = Double(correct) / n
        self.brier = brier / n
        hitRate = ups > 0 ? Double(upsRight) / Double(ups) : nil
        baseRate = Double(positives) / n
        rows = labels.count
        var calibration = 0.0
        for bin in 0..<10 where binCounts[bin] > 0 {
            calibration += abs(binSums[bin] - binLabels[bin]) / n
        }
        calibrationError = calibration
        auc = Self.areaUnderCurve(probabilities, labels)
    }

    /// Mann–Whitney: the mean rank of the 1-rows, ties sharing their average rank.
    static func areaUnderCurve(_ scores: [Double], _ labels: [Double]) -> Double? {
        let positives = labels.reduce(0, +)
        let negatives = Double(labels.count) - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for position in start...end where labels[order[position]] == 1 { rankSum += averageRank }
            start = end + 1
        }
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }
}
