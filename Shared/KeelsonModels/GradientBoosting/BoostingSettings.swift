/// Hyper-parameters of the gradient-boosted trees, named as on the command line (`--param depth=6`), with
/// scikit-learn's HistGradientBoostingClassifier defaults.
public struct BoostingSettings: Sendable, Equatable, Codable {
    public var learningRate = 0.1
    public var iterations = 100
    public var leaves = 31
    /// nil: no limit but the number of leaves.
    public var depth: Int?
    public var minSamplesLeaf = 20
    public var l2 = 0.0
    public var maxBins = 255
    /// Stop when the validation log-loss has not improved by `tolerance` for `patience` iterations. The
    /// validation rows are the last `validationFraction` of the training window in time (scikit-learn draws them
    /// at random, which would let a model validate on bars older than some it trained on).
    public var earlyStopping = false
    public var validationFraction = 0.1
    public var patience = 10
    public var tolerance = 1e-7
    public var seed: UInt64 = 42

    public init() {}

    public static let usage =
        "learning_rate, iterations, leaves, depth, min_samples_leaf, l2, max_bins, early_stopping, validation_fraction, patience, tolerance, seed"

    /// Reads `NAME=VALUE` pairs over the defaults; a name the model does not have, or a value out of range, is refused.
    public init(parameters: [String: String]) throws(ModelError) {
        for (name, text) in parameters.sorted(by: { $0.key < $1.key }) {
            func number(_ range: ClosedRange<Double>) throws(ModelError) -> Double {
                guard let value = Double(text), range.contains(value) else {
                    throw ModelError("--param \(name)=\(text): \(name) must be a number from \(range.lowerBound) to \(range.upperBound)")
                }
                return value
            }
            func whole(_ range: ClosedRange<Int>) throws(ModelError) -> Int {
                guard let value = Int(text), range.contains(value) else {
                    throw ModelError("--param \(name)=\(text): \(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                }
                return value
            }
            switch name {
            case "learning_rate": learningRate = try number(0.0001...1)
            case "iterations": iterations = try whole(1...10_000)
            case "leaves": leaves = try whole(2...4096)
            case "depth": depth = try whole(1...64)
            case "min_samples_leaf": minSamplesLeaf = try whole(1...1_000_000)
            case "l2": l2 = try number(0...1_000_000)
            case "max_bins": maxBins = try whole(2...255)
            case "early_stopping":
                guard let value = Bool(text) else { throw ModelError("--param \(name)=\(text): early_stopping must be true or false") }
                earlyStopping = value
            case "validation_fraction": validationFraction = try number(0.01...0.5)
            case "patience": patience = try whole(1...1000)
            case "tolerance": tolerance = try number(0...1)
            case "seed":
                guard let value = UInt64(text) else { throw ModelError("--param seed=\(text): seed must be a whole number ≥ 0") }
                seed = value
            default:
                throw ModelError("--param \(name): gbdt has no parameter '\(name)'; its parameters are \(Self.usage)")
            }
        }
    }
}
