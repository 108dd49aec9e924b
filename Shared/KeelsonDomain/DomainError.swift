/// A value that breaks a domain rule; the description is one sentence saying what is allowed.
public enum DomainError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(field: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .invalid(let field, let value, let expected): "\(field) '\(value)' is not valid; expected \(expected)"
        }
    }
}
