/// How a child process ended.
public enum ProcessTermination: Sendable, Hashable {
    /// It exited with this status.
    case exited(Int32)
    /// A signal it did not handle ended it.
    case signalled(Int32)

    /// Exited with status 0.
    public var succeeded: Bool { self == .exited(0) }

    /// The exit status, or the number of the signal (what Foundation's `Process.terminationStatus` reports).
    public var status: Int32 {
        switch self {
        case .exited(let status), .signalled(let status): status
        }
    }

    /// The status a shell reports (`$?`): the exit status, or 128 + the number of the signal.
    public var shellStatus: Int32 {
        switch self {
        case .exited(let status): status
        case .signalled(let signal): 128 + signal
        }
    }
}
