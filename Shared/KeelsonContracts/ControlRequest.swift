/// The body of an operator control sent to a service (the engine's trading controls, the collector's circuit-breaker
/// reset): why, for the audit log and the risk events.
public struct ControlRequest: Codable, Sendable, Equatable {
    public var reason: String?

    public init(reason: String?) { self.reason = reason }
}

/// The body of `POST /internal/v1/trading/maintenance`.
public struct MaintenanceRequest: Codable, Sendable, Equatable {
    public var enabled: Bool?
    public var reason: String?
    /// Off only when the maintenance on now was set with a reason starting so: the watchdog lifts only what it set,
    /// never an operator's maintenance.
    public var onlyIfReasonStartsWith: String?

    public init(enabled: Bool?, reason: String?, onlyIfReasonStartsWith: String? = nil) {
        self.enabled = enabled
        self.reason = reason
        self.onlyIfReasonStartsWith = onlyIfReasonStartsWith
    }

    enum CodingKeys: String, CodingKey {
        case enabled, reason
        case onlyIfReasonStartsWith = "only_if_reason_starts_with"
    }
}

/// The body of `POST /internal/v1/strategies/{id}/lifecycle`: `promote`, `retire`, `disable` or `enable`, why, and who
/// asked (recorded with the lifecycle event).
public struct StrategyLifecycleRequest: Codable, Sendable, Equatable {
    public var action: String?
    public var reason: String?
    public var actor: String?

    public init(action: String?, reason: String?, actor: String?) {
        self.action = action
        self.reason = reason
        self.actor = actor
    }
}
