/// The body of `POST /internal/v1/circuit-breakers/reset`: an operator's reset closes every breaker now; the
/// watchdog's (`probe: true`) calls the dependency behind each breaker whose cool-down is over and closes only the
/// ones whose dependency answers, leaving a breaker still cooling down alone.
public struct BreakerResetRequest: Codable, Sendable, Equatable {
    public var reason: String?
    public var probe: Bool?
    /// Only this breaker (its name, e.g. `exchange:api.binance.com:443`); every breaker when nil.
    public var name: String?

    public init(reason: String?, probe: Bool? = nil, name: String? = nil) {
        self.reason = reason
        self.probe = probe
        self.name = name
    }
}

/// What a reset did to each breaker: its state before and after (`closed`, `open`, `half_open`), and for a probe
/// whether the dependency was called and what it answered.
public struct BreakerResetList: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var name: String
        public var before: String
        public var after: String
        public var probed: Bool
        public var error: String?

        public init(name: String, before: String, after: String, probed: Bool = false, error: String? = nil) {
            self.name = name
            self.before = before
            self.after = after
            self.probed = probed
            self.error = error
        }
    }

    public var breakers: [Entry]

    public init(breakers: [Entry]) { self.breakers = breakers }
}
