/// Why a strategy could not be built; each description is one sentence that says what is allowed.
public enum StrategyError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownStrategy(name: String, available: [String])
    case unknownParameter(strategy: String, name: String, available: [String])
    case outOfBounds(strategy: String, name: String, value: Double, allowed: String)
    case inconsistent(strategy: String, reason: String)

    public var description: String {
        switch self {
        case .unknownStrategy(let name, let available):
            "unknown strategy '\(name)'; available: \(available.joined(separator: ", "))"
        case .unknownParameter(let strategy, let name, let available):
            "\(strategy) has no parameter '\(name)'; its parameters are: \(available.joined(separator: ", "))"
        case .outOfBounds(let strategy, let name, let value, let allowed):
            "\(strategy) parameter \(name)=\(Self.format(value)) is out of bounds; expected \(allowed)"
        case .inconsistent(let strategy, let reason):
            "\(strategy): \(reason)"
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
