/// Proof of leadership a write can check: the advisory lock (class, object) and the backend that holds it.
/// A transaction that finds the lock no longer held by that backend refuses to trade.
public struct LeaderFence: Sendable, Equatable {
    public var classID: Int64
    public var objectID: Int64
    public var backendPID: Int32
}

/// The advisory lock that makes one engine the trader of an account: one key per trading mode, so a paper
/// engine and a live engine on one database do not block each other.
enum LeaderLockKey {
    static let classID: Int32 = 7355
    static func objectID(mode: String) -> Int32 { mode == "live" ? 2 : 1 }
}
