import KeelsonModels

/// The built-in strategies by name: what configuration files, the CLI and the backtester can ask for.
public enum StrategyCatalog {
    public static let all: [any Strategy.Type] = [
        SMACrossover.self, RSIMeanReversion.self, MACDTrend.self, BollingerBreakout.self, MLClassifier.self,
    ]

    public static var names: [String] { all.map { $0.name } }

    /// The strategies built from their parameters alone: every one but ml_classifier, whose model the caller loads.
    /// These are the ones a parameter search, a benchmark or a determinism check can build by name.
    public static var builtFromParameters: [any Strategy.Type] { all.filter { $0 != MLClassifier.self } }

    public static func type(named name: String) throws(StrategyError) -> any Strategy.Type {
        guard let type = all.first(where: { $0.name == name }) else {
            throw StrategyError.unknownStrategy(name: name, available: names)
        }
        return type
    }

    /// Validates the parameters against the named strategy's bounds and builds it. `model` is the registry's
    /// model for `ml_classifier` (the caller loads the version its `model` parameter names).
    public static func make(_ name: String, parameters: [String: Double] = [:], model: TrainedModel? = nil) throws(StrategyError) -> any Strategy {
        if name == MLClassifier.name, let model {
            return try MLClassifier(
                parameters: StrategyParameters(strategy: name, specs: MLClassifier.parameterSpecs, given: parameters), model: model)
        }
        return try type(named: name).make(parameters)
    }
}
