import KeelsonDomain

/// Cuts each feature's range into at most `maxBins` bins, so a tree searches a few hundred candidate splits per
/// feature instead of every distinct value. As scikit-learn's HistGradientBoosting: a feature with few distinct
/// values gets a threshold between each pair of neighbours; otherwise thresholds sit at evenly spaced quantiles
/// (midpoint interpolation) of up to 200,000 rows sampled with the seed.
struct FeatureBinning: Sendable {
    /// thresholds[f][b]: the largest value that falls in bin b of feature f; values above the last are in the last bin.
    let thresholds: [[Double]]

    static let sampleSize = 200_000

    init(_ matrix: FeatureMatrix, maxBins: Int, seed: UInt64) {
        var rows = Array(0..<matrix.rows)
        if rows.count > Self.sampleSize {
            var generator = SplitMix64(seed: seed)
            // A partial Fisher–Yates shuffle: the first sampleSize rows are a uniform sample without replacement.
            for index in 0..<Self.sampleSize {
                let other = Int.random(in: index..<rows.count, using: &generator)
                rows.swapAt(index, other)
            }
            rows.removeLast(rows.count - Self.sampleSize)
        }
        thresholds = (0..<matrix.columns).map { column in
            let values = rows.map { matrix[$0, column] }.sorted()
            var distinct: [Double] = []
            for value in values where distinct.last != value { distinct.append(value) }
            if distinct.count <= maxBins {
                return zip(distinct, distinct.dropFirst()).map { ($0 + $1) / 2 }
            }
            var cuts: [Double] = []
            for step in 1..<maxBins {
                let position = Double(step) / Double(maxBins) * Double(values.count - 1)
                let cut = (values[Int(position.rounded(.down))] + values[Int(position.rounded(.up))]) / 2
                if cuts.last != cut { cuts.append(cut) }
            }
            return cuts
        }
    }

    /// The bin of `value` in feature `column`: the first bin whose threshold is ≥ value.
    func bin(_ value: Double, column: Int) -> UInt8 {
        let cuts = thresholds[column]
        var low = 0
        var high = cuts.count
        while low < high {
            let middle = (low + high) / 2
            if cuts[middle] < value { low = middle + 1 } else { high = middle }
        }
        return UInt8(low)
    }

    /// Every value binned, column by column (`bins[column * rows + row]`): a histogram pass reads one column in order.
    func binned(_ matrix: FeatureMatrix) -> [UInt8] {
        var bins = [UInt8](repeating: 0, count: matrix.rows * matrix.columns)
        for column in 0..<matrix.columns {
            for row in 0..<matrix.rows { bins[column * matrix.rows + row] = bin(matrix[row, column], column: column) }
        }
        return bins
    }
}
