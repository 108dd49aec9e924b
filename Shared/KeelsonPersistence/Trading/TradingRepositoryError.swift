/// A trading write refused: this process is not (or no longer) the leader, a session cannot be opened, or what
/// is stored does not allow the change. The service kit's error middleware decides what HTTP status each becomes.
public enum TradingRepositoryError: Error, Sendable, Equatable, CustomStringConvertible {
    case notLeader
    case sessionBusy(String)
    case inconsistent(String)
    /// What was asked for does not exist (a session, a position).
    case notFound(String)
    /// An engine holds the leader lock for the account a change outside the engine would touch.
    case engineRunning(String)

    public var description: String {
        switch self {
        case .notLeader: "this engine no longer holds the leader lock; another instance trades"
        case .sessionBusy(let reason), .inconsistent(let reason), .notFound(let reason), .engineRunning(let reason): reason
        }
    }
}
