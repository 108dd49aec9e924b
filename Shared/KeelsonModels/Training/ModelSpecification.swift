/// Which model to train and with what hyper-parameters, as given on the command line
/// (`--model logistic --param C=0.5`, `--model gbdt --param depth=6 --param iterations=200`).
public enum ModelSpecification: Sendable, Equatable, Codable {
    case logistic(c: Double)
    case gbdt(BoostingSettings)

    public static let kinds = "logistic or gbdt"

    public init(kind: String, parameters: [String: String]) throws(ModelError) {
        switch kind.lowercased() {
        case "logistic":
            var c = 1.0
            for (name, text) in parameters.sorted(by: { $0.key < $1.key }) {
                guard name == "C" || name == "c" else {
                    throw ModelError("--param \(name): logistic has no parameter '\(name)'; its one parameter is C (e.g. C=1.0)")
                }
                guard let value = Double(text), value > 0, value.isFinite else {
                    throw ModelError("--param \(name)=\(text): C must be a positive number (e.g. C=1.0)")
                }
                c = value
            }
            self = .logistic(c: c)
        case "gbdt": self = .gbdt(try BoostingSettings(parameters: parameters))
        default: throw ModelError("unknown model '\(kind)'; the models are \(Self.kinds)")
        }
    }

    /// Reads `NAME=VALUE` words as given to `--param`, refusing a word without `=` and a name given twice.
    public static func parameters(_ words: [String]) throws(ModelError) -> [String: String] {
        var parameters: [String: String] = [:]
        for word in words {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ModelError("--param '\(word)' is not NAME=VALUE (e.g. --param C=1.0)")
            }
            guard parameters[parts[0]] == nil else { throw ModelError("--param \(parts[0]) is given twice; give it once") }
            parameters[parts[0]] = parts[1]
        }
        return parameters
    }

    public var kind: String {
        switch self {
        case .logistic: "logistic"
        case .gbdt: "gbdt"
        }
    }

    /// Every hyper-parameter with its value, defaults included, as recorded in model.json and the registry.
    public var hyperParameters: [String: String] {
        switch self {
        case let .logistic(c): ["C": "\(c)"]
        case let .gbdt(settings):
            [
                "learning_rate": "\(settings.learningRate)", "iterations": "\(settings.iterations)", "leaves": "\(settings.leaves)",
                "depth": settings.depth.map(String.init) ?? "none", "min_samples_leaf": "\(settings.minSamplesLeaf)", "l2": "\(settings.l2)",
                "max_bins": "\(settings.maxBins)", "early_stopping": "\(settings.earlyStopping)",
                "validation_fraction": "\(settings.validationFraction)", "patience": "\(settings.patience)",
                "tolerance": "\(settings.tolerance)", "seed": "\(settings.seed)",
            ]
        }
    }
}
