import KeelsonFoundation

/// What an API key may do. Each role includes everything the roles below it may do.
public enum APIRole: String, Sendable, Codable, CaseIterable, Comparable {
    /// Reads: health, status, portfolio, orders, market data, signals.
    case viewer
    /// Reads, plus halting and resuming trading, stopping entries and maintenance mode.
    case `operator`
    /// Everything, including closing all positions, resetting circuit breakers, API keys and the audit log.
    case admin

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .operator: 1
        case .admin: 2
        }
    }

    public static func < (lhs: APIRole, rhs: APIRole) -> Bool { lhs.rank < rhs.rank }

    public static func parse(_ text: String) throws(ConfigurationError) -> APIRole {
        guard let role = APIRole(rawValue: text.lowercased()) else {
            throw ConfigurationError(variable: "role", problem: "'\(text)' is not a role; expected viewer, operator or admin")
        }
        return role
    }
}

/// Who made a request, once their API key is verified.
public struct APICaller: Sendable, Equatable {
    public var keyID: String
    public var name: String
    public var role: APIRole

    public init(keyID: String, name: String, role: APIRole) {
        self.keyID = keyID
        self.name = name
        self.role = role
    }
}
