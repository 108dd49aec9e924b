/// A hard dependency a service needs before it can do its job; `/ready` is 503 while any check fails.
public protocol ReadinessCheck: Sendable {
    var name: String { get }
    /// nil when ready, otherwise the reason it is not.
    func failureReason() async -> String?
}

/// A readiness check from a closure, for state a service tracks itself (e.g. "recovering open orders").
public struct ClosureReadinessCheck: ReadinessCheck {
    public let name: String
    let reason: @Sendable () async -> String?

    public init(name: String, reason: @escaping @Sendable () async -> String?) {
        self.name = name
        self.reason = reason
    }

    public func failureReason() async -> String? { await reason() }
}
