/// Where a strategy instance stands in its lifecycle, and so which of its signals reach the engine.
///
/// - `candidate`: evaluated, but none of its signals trade yet (measured on history and shadow books before promotion).
/// - `active`: trades.
/// - `probation`: still trades (at a reduced allocation once capital follows performance).
/// - `retired`: no new entries; its sells still close what it holds, and the engine's stops still work.
/// - `disabled`: as retired, but set by an operator and undone only by `enable`.
public enum StrategyStatus: String, Sendable, Codable, CaseIterable {
    case candidate, active, probation, retired, disabled

    /// Whether a buy signal of an instance in this state goes to the engine.
    public var takesEntries: Bool { self == .active || self == .probation }
    /// Whether a sell signal does: everything that may hold a position manages it to the exit.
    public var takesExits: Bool { self != .candidate }

    /// Why this state cannot move to `target`, or nil when it can.
    public func refusal(movingTo target: StrategyStatus) -> String? {
        if target == self { return "it is already \(rawValue)" }
        switch (self, target) {
        case (.disabled, .active), (.disabled, .retired), (_, .disabled), (.active, .probation), (.active, .retired), (.probation, .retired),
            (.candidate, .retired), (.candidate, .active), (.probation, .active), (.retired, .active):
            return nil
        case (.disabled, _):
            return "a disabled instance is only enabled (back to active) or retired"
        case (_, .candidate):
            return "an instance becomes a candidate only when it is first configured"
        case (_, .probation):
            return "only an active instance is put on probation"
        default:
            return "\(rawValue) cannot become \(target.rawValue)"
        }
    }
}

/// What an operator asks of an instance's lifecycle.
public enum StrategyLifecycleAction: String, Sendable, Codable, CaseIterable {
    case promote, retire, disable, enable

    /// The state the action leads to, and the states it applies to (an `enable` only undoes a `disable`).
    public func target(from current: StrategyStatus) -> Result<StrategyStatus, StrategyLifecycleRefusal> {
        let target: StrategyStatus
        switch self {
        case .promote:
            guard current != .disabled else { return .failure(StrategyLifecycleRefusal("it is disabled; enable it instead")) }
            target = .active
        case .retire: target = .retired
        case .disable: target = .disabled
        case .enable:
            guard current == .disabled else {
                return .failure(
                    StrategyLifecycleRefusal("it is \(current.rawValue), not disabled; enable only undoes disable (promote makes it active)"))
            }
            target = .active
        }
        if let refusal = current.refusal(movingTo: target) { return .failure(StrategyLifecycleRefusal(refusal)) }
        return .success(target)
    }
}

public struct StrategyLifecycleRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A strategy instance id: 1–64 ASCII letters, digits, `_` or `-` (it names signals, states and URL paths).
public enum StrategyInstanceID {
    public static let rule = "1-64 letters, digits, '_' or '-'"

    public static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
