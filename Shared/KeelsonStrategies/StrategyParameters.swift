/// Validated parameter values for one strategy: every parameter present (defaults filled in), every value
/// within its bounds, integers whole.
public struct StrategyParameters: Sendable, Equatable {
    public private(set) var values: [String: Double]

    /// Checks `given` against `specs`, naming the first parameter that is unknown or out of bounds.
    public init(strategy: String, specs: [StrategyParameterSpec], given: [String: Double]) throws(StrategyError) {
        let names = specs.map(\.name)
        for name in given.keys.sorted() where !names.contains(name) {
            throw StrategyError.unknownParameter(strategy: strategy, name: name, available: names)
        }
        var values: [String: Double] = [:]
        for spec in specs {
            let value = given[spec.name] ?? spec.defaultValue
            guard value.isFinite, spec.range.contains(value), spec.kind == .number || value == value.rounded() else {
                throw StrategyError.outOfBounds(strategy: strategy, name: spec.name, value: value, allowed: spec.allowedDescription)
            }
            values[spec.name] = value
        }
        self.values = values
    }

    public func number(_ name: String) -> Double {
        values[name] ?? .nan
    }

    public func integer(_ name: String) -> Int {
        Int(values[name] ?? 0)
    }
}
