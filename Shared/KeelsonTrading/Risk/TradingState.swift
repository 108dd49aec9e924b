/// What the engine may do. `halted`: no new entries, exits and stops still run (risk limits and
/// `stop-entries` put it here). `stopped`: the kill switch; nothing is sent, open orders are canceled.
public enum TradingState: String, Sendable, Codable, CaseIterable {
    case active
    case halted
    case stopped

    public var allowsEntries: Bool { self == .active }
    public var allowsExits: Bool { self != .stopped }
}
