/// One tunable parameter of a strategy: its bounds and default. Bounds are enforced before a strategy is built,
/// so no configuration file or optimiser can run a strategy outside them.
public struct StrategyParameterSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case integer
        case number
    }

    public var name: String
    public var kind: Kind
    public var range: ClosedRange<Double>
    public var defaultValue: Double
    public var summary: String

    public init(_ name: String, _ kind: Kind, range: ClosedRange<Double>, default defaultValue: Double, summary: String) {
        self.name = name
        self.kind = kind
        self.range = range
        self.defaultValue = defaultValue
        self.summary = summary
    }

    var allowedDescription: String {
        switch kind {
        case .integer: "a whole number from \(Int(range.lowerBound)) to \(Int(range.upperBound))"
        case .number: "a number from \(range.lowerBound) to \(range.upperBound)"
        }
    }
}
