/// Proof of leadership a write can check: the backend that took the advisory lock, named by its pid and start
/// time (a pid alone can be reused). A session lock lives exactly as long as its backend, so while that
/// backend exists this process holds the lock; a write that finds it gone refuses to trade.
public struct LeaderFence: Sendable, Equatable {
    public var backendPID: Int32
    public var backendStartMicroseconds: Int64

    public init(backendPID: Int32, backendStartMicroseconds: Int64) {
        self.backendPID = backendPID
        self.backendStartMicroseconds = backendStartMicroseconds
    }
}
