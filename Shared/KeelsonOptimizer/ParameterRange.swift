import KeelsonStrategies
import KeelsonTrading

/// The values one strategy parameter takes in a search: `NAME=FROM:TO:STEP`, `NAME=FROM:TO` (step 1) or `NAME=VALUE`,
/// checked against the strategy's declared bounds so no search can run a strategy outside them.
public struct ParameterRange: Sendable, Equatable, Codable {
    public var name: String
    public var values: [Double]

    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }

    /// The most values one parameter may take: beyond it a grid is a typo, not a search.
    public static let maximumValues = 100_000

    public static func parse(_ text: String, strategy: any Strategy.Type) throws(OptimizerError) -> ParameterRange {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else {
            throw OptimizerError("--param \(text) is not NAME=FROM:TO:STEP, e.g. --param fast=5:50:1")
        }
        let name = parts[0]
        guard let spec = strategy.parameterSpecs.first(where: { $0.name == name }) else {
            throw OptimizerError(
                StrategyError.unknownParameter(strategy: strategy.name, name: name, available: strategy.parameterSpecs.map(\.name)).description)
        }
        return try parse(text, name: name, values: parts[1], spec: spec, owner: "\(strategy.name)'s bounds")
    }

    /// `risk.NAME=FROM:TO:STEP`: a risk setting, inside its safety bounds (`RiskSearchBounds`, narrowed by the settings
    /// file's `optimizer_bounds`).
    public static func parseRisk(_ text: String, bounds: [String: ClosedRange<Double>]) throws(OptimizerError) -> ParameterRange {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0].hasPrefix(SearchSpace.riskPrefix) else {
            throw OptimizerError("--param \(text) is not risk.NAME=FROM:TO:STEP, e.g. --param risk.risk_per_trade_percent=0.5:2:0.5")
        }
        let setting = String(parts[0].dropFirst(SearchSpace.riskPrefix.count))
        let bound: RiskSearchBounds.Bound
        switch RiskSearchBounds.bound(setting, narrowed: bounds) {
        case .success(let found): bound = found
        case .failure(let error): throw OptimizerError("--param \(text): \(error.description)")
        }
        let spec = StrategyParameterSpec(
            parts[0], bound.wholeNumbers ? .integer : .number, range: bound.range, default: bound.range.lowerBound, summary: "")
        return try parse(text, name: parts[0], values: parts[1], spec: spec, owner: "the risk safety bounds")
    }

    static func parse(_ text: String, name: String, values: String, spec: StrategyParameterSpec, owner: String) throws(OptimizerError)
        -> ParameterRange
    {
        let numbers = values.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard (1...3).contains(numbers.count), numbers.allSatisfy({ $0?.isFinite == true }) else {
            throw OptimizerError("--param \(text) is not NAME=FROM:TO:STEP, e.g. --param \(name)=\(Self.example(spec))")
        }
        let from = numbers[0]!
        let to = numbers.count > 1 ? numbers[1]! : from
        let step = numbers.count > 2 ? numbers[2]! : 1
        guard from <= to else { throw OptimizerError("--param \(text) is an empty range: \(format(from)) is above \(format(to))") }
        guard step > 0 else { throw OptimizerError("--param \(text): the step must be above 0") }
        if spec.kind == .integer, [from, to, step].contains(where: { $0 != $0.rounded() }) {
            throw OptimizerError("--param \(text): \(name) takes whole numbers; use whole FROM, TO and STEP")
        }
        for bound in [from, to] where !spec.range.contains(bound) {
            throw OptimizerError(
                "--param \(text): \(format(bound)) is outside \(owner) for \(name) (\(Self.allowed(spec))); keep the range inside them"
            )
        }
        let count = Int(((to - from) / step + 1e-9).rounded(.down)) + 1
        guard count <= maximumValues else {
            throw OptimizerError("--param \(text) gives \(count) values; at most \(maximumValues) per parameter, use a larger step")
        }
        // Each value from its index, not by adding steps, so 0.1 steps do not drift.
        let values = (0..<count).map { index in ((from + Double(index) * step) * 1e10).rounded() / 1e10 }
        return ParameterRange(name: name, values: values)
    }

    static func allowed(_ spec: StrategyParameterSpec) -> String {
        switch spec.kind {
        case .integer: "a whole number from \(Int(spec.range.lowerBound)) to \(Int(spec.range.upperBound))"
        case .number: "a number from \(format(spec.range.lowerBound)) to \(format(spec.range.upperBound))"
        }
    }

    static func example(_ spec: StrategyParameterSpec) -> String {
        let low = spec.range.lowerBound
        let high = min(spec.range.upperBound, spec.defaultValue * 2)
        return spec.kind == .integer ? "\(Int(low)):\(Int(high)):1" : "\(format(low)):\(format(high)):\(format((high - low) / 10))"
    }
}

/// A number as a person writes it: 12, not 12.0.
func format(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}
