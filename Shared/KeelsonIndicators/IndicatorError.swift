/// Rejected construction parameters. Indicators validate once, up front, so that `update` never has to fail
/// and a bad configuration is reported before any bar is fed.
public enum IndicatorError: Error, Equatable, CustomStringConvertible {
    /// `name` is the parameter as spelled in the initialiser, `value` what was given, `allowed` a phrase
    /// completing "expected …".
    case invalidParameter(name: String, value: String, allowed: String)

    public var description: String {
        switch self {
        case let .invalidParameter(name, value, allowed):
            "\(name) \(value) is not allowed; expected \(allowed)"
        }
    }
}

extension IndicatorError {
    /// Upper bound on every window length: far beyond any sensible look-back, and it keeps a caller's typo
    /// (e.g. a timestamp passed as a period) from allocating gigabytes of ring buffer.
    static let maximumPeriod = 10_000

    /// Checks a window length and returns it, so initialisers can validate and store in one expression.
    static func checkPeriod(_ value: Int, name: String = "period", minimum: Int = 1, maximum: Int = maximumPeriod) throws(IndicatorError) -> Int {
        guard (minimum...maximum).contains(value) else {
            throw .invalidParameter(name: name, value: String(value), allowed: "a whole number from \(minimum) to \(maximum)")
        }
        return value
    }
}
