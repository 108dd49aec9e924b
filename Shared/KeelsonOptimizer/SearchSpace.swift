import KeelsonStrategies

/// The combinations a search tries: the grid of every range's values (first parameter outermost), narrowed by the
/// search method, less those the strategy refuses (fast ≥ slow) — counted, not tried.
public struct SearchSpace: Sendable {
    public let strategy: String
    public let ranges: [ParameterRange]
    public let combinations: [Combination]
    /// Grid points the strategy refused, and the first refusal's words.
    public let refused: Int
    public let firstRefusal: String?

    /// The most combinations one search may try.
    public static let maximumCombinations = 1_000_000
    /// Parameters named `risk.NAME` are risk settings, not the strategy's.
    public static let riskPrefix = "risk."

    /// - Parameter riskBounds: where risk settings may be searched (nil: they may not — the sizing is not risk-based).
    public init(
        strategy: String, parameters: [String], search: SearchMethod, riskBounds: [String: ClosedRange<Double>]? = nil
    ) throws(OptimizerError) {
        let type: any Strategy.Type
        do {
            type = try StrategyCatalog.type(named: strategy)
        } catch {
            throw OptimizerError(error.description)
        }
        // A strategy that cannot be built from numbers alone (ml_classifier needs its model) cannot be searched.
        guard StrategyCatalog.builtFromParameters.contains(where: { $0 == type }) else {
            throw OptimizerError(
                "\(strategy) trades on a registered model and cannot be searched; search its model with `keelson model train --walk-forward`")
        }
        var ranges: [ParameterRange] = []
        for text in parameters {
            let range: ParameterRange
            if text.hasPrefix(Self.riskPrefix) {
                guard let riskBounds else {
                    throw OptimizerError("--param \(text) searches a risk setting; that needs --sizing risk (or --engine-config)")
                }
                range = try ParameterRange.parseRisk(text, bounds: riskBounds)
            } else {
                range = try ParameterRange.parse(text, strategy: type)
            }
            guard !ranges.contains(where: { $0.name == range.name }) else {
                throw OptimizerError("--param \(range.name) is given twice; give each parameter one range")
            }
            ranges.append(range)
        }
        guard ranges.contains(where: { $0.values.count > 1 }) else {
            throw OptimizerError("nothing to search: give at least one --param NAME=FROM:TO:STEP with more than one value")
        }
        let size = ranges.reduce(1) { $0.multipliedReportingOverflow(by: $1.values.count).overflow ? .max : $0 * $1.values.count }
        if case .grid = search, size > Self.maximumCombinations {
            throw OptimizerError("the grid has \(size) combinations; at most \(Self.maximumCombinations), use larger steps or --search random:N")
        }
        var combinations: [Combination] = []
        var refused = 0
        var firstRefusal: String?
        for index in search.pick(from: size) {
            var parameters: [String: Double] = [:]
            var rest = index
            for range in ranges.reversed() {
                parameters[range.name] = range.values[rest % range.values.count]
                rest /= range.values.count
            }
            do {
                _ = try type.make(Self.strategyParameters(parameters))
                combinations.append(Combination(gridIndex: index, parameters: parameters))
            } catch {
                refused += 1
                if firstRefusal == nil { firstRefusal = error.description }
            }
        }
        guard !combinations.isEmpty else {
            throw OptimizerError("no combination of the ranges is a valid \(strategy): \(firstRefusal ?? "none left"); change the ranges")
        }
        self.strategy = strategy
        self.ranges = ranges
        self.combinations = combinations
        self.refused = refused
        self.firstRefusal = firstRefusal
    }

    /// The parameters that take more than one value, in the order given.
    public var searched: [String] { ranges.filter { $0.values.count > 1 }.map(\.name) }

    public func makeStrategy(_ combination: Combination) -> any Strategy {
        // Every combination was built once when the space was made, so building it again cannot fail.
        try! StrategyCatalog.make(strategy, parameters: Self.strategyParameters(combination.parameters))
    }

    /// The strategy reading `shared` indicator columns from bar `start` on, when it can.
    public func makeStrategy(_ combination: Combination, shared: SharedIndicators, from start: Int) -> any Strategy {
        try! StrategyCatalog.make(strategy, parameters: Self.strategyParameters(combination.parameters), shared: shared, from: start)
    }

    /// The strategy's own parameters of a combination (its risk settings left out).
    public static func strategyParameters(_ parameters: [String: Double]) -> [String: Double] {
        parameters.filter { !$0.key.hasPrefix(riskPrefix) }
    }
}

/// One point of the search: its place in the full grid (stable across shards and worker counts) and its values.
public struct Combination: Sendable, Equatable, Codable {
    public var gridIndex: Int
    public var parameters: [String: Double]
}
