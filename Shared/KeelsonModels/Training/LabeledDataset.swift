import Foundation

/// Features and labels for the bars that have both, in time order. Rows where a feature is still warming up, or
/// where the label's future is not in the data yet (the last H bars), are left out.
public struct LabeledDataset: Sendable, Equatable {
    public let features: [FeatureName]
    public let label: LabelName
    public private(set) var times: [Date]
    public private(set) var matrix: FeatureMatrix
    /// 0 or 1 per row.
    public private(set) var labels: [Double]

    public var count: Int { labels.count }

    /// Feeds every bar through one `FeatureComputer`: the same code, bar by bar, that serves live predictions.
    public init(bars: [TimedBar], features: [FeatureName], label: LabelName) throws(ModelError) {
        self.features = features
        self.label = label
        var computer = try FeatureComputer(names: features)
        var values: [Double] = []
        times = []
        labels = []
        matrix = FeatureMatrix(columns: features.count)
        matrix.reserve(rows: bars.count)
        let horizon = label.horizon
        for (index, bar) in bars.enumerated() {
            let complete = computer.update(bar.ohlcv, openTime: bar.openTime, into: &values)
            guard complete, index + horizon < bars.count else { continue }
            times.append(bar.openTime)
            matrix.append(row: values)
            labels.append(label.label(now: bar.ohlcv.close, later: bars[index + horizon].ohlcv.close))
        }
    }

    init(features: [FeatureName], label: LabelName, times: [Date], matrix: FeatureMatrix, labels: [Double]) {
        self.features = features
        self.label = label
        self.times = times
        self.matrix = matrix
        self.labels = labels
    }

    /// The rows in `range` (a training, validation or test window).
    public func slice(_ range: Range<Int>) -> LabeledDataset {
        LabeledDataset(
            features: features, label: label, times: Array(times[range]), matrix: matrix.rows(range), labels: Array(labels[range]))
    }
}
