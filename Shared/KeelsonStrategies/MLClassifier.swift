import KeelsonDomain
import KeelsonIndicators
import KeelsonModels

/// Trades on a registered prediction model: buys when the model's probability that the market rises crosses
/// above `entry`, sells when it falls below `exit`. The probability comes from `StreamingModel`, the code that
/// evaluates and serves the model, so a backtest of this strategy sees exactly the model's predictions.
public struct MLClassifier: Strategy {
    public static let name = "ml_classifier"
    public static let summary = "buy when a registered model's probability of a rise crosses above entry, sell when it falls below exit"
    public static let parameterSpecs = [
        StrategyParameterSpec("model", .integer, range: 1...1_000_000_000, default: 1, summary: "the model's id in the registry (keelson model list)"),
        StrategyParameterSpec("entry", .number, range: 0.5...0.99, default: 0.6, summary: "probability above which to buy"),
        StrategyParameterSpec("exit", .number, range: 0.01...0.5, default: 0.45, summary: "probability below which to sell"),
    ]

    private var model: StreamingModel
    private var entryCross = Crossing()
    private var exitCross = Crossing()
    private let entry: Double
    private let exit: Double
    public let modelID: Int
    /// The probability of the last bar (nil while the model warms up), for whoever monitors the served model.
    public private(set) var lastProbability: Double?

    /// The standardised features behind `lastProbability`.
    public var lastFeatures: [Double] { model.standardizedFeatures }

    /// The model is not a number: whoever runs the strategy loads it from the registry and uses `init(parameters:model:)`.
    public init(parameters: StrategyParameters) throws(StrategyError) {
        throw .inconsistent(
            strategy: Self.name,
            reason: "model \(parameters.integer("model")) must be loaded from the model registry; run it with `keelson backtest`, which reads the registry")
    }

    public init(parameters: StrategyParameters, model: TrainedModel) throws(StrategyError) {
        try Self.validate(parameters)
        modelID = parameters.integer("model")
        entry = parameters.number("entry")
        exit = parameters.number("exit")
        do {
            self.model = try StreamingModel(model)
        } catch {
            throw .inconsistent(strategy: Self.name, reason: "model \(modelID): \(error.description)")
        }
    }

    /// Checks the thresholds without the model, for configuration read before the registry is.
    public static func validate(_ parameters: StrategyParameters) throws(StrategyError) {
        let entry = parameters.number("entry")
        let exit = parameters.number("exit")
        guard exit < entry else { throw .inconsistent(strategy: Self.name, reason: "exit (\(exit)) must be below entry (\(entry))") }
    }

    public var warmUpBars: Int { model.warmUp + 1 }

    public mutating func evaluate(_ candle: Candle, bar: OHLCV) -> [StrategySignal] {
        lastProbability = model.probability(after: bar, openTime: candle.openTime)
        guard let probability = lastProbability else { return [] }
        var signals: [StrategySignal] = []
        if entryCross.update(fast: probability, slow: entry) == .up {
            signals.append(
                StrategySignal(
                    symbol: candle.symbol, interval: candle.interval, side: .buy, strength: probability, barTime: candle.openTime,
                    price: candle.close,
                    reason: "model \(modelID): probability of a rise \(probability.reasonText(places: 4)) crossed above \(entry)"))
        }
        if exitCross.update(fast: probability, slow: exit) == .down {
            signals.append(
                StrategySignal(
                    symbol: candle.symbol, interval: candle.interval, side: .sell, strength: 1 - probability, barTime: candle.openTime,
                    price: candle.close,
                    reason: "model \(modelID): probability of a rise \(probability.reasonText(places: 4)) fell below \(exit)"))
        }
        return signals
    }
}
