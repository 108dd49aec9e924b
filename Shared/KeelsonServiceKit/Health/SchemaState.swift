import Synchronization

/// Whether this process has seen the database schema migrated to the version it was built for.
public final class SchemaState: Sendable {
    private enum State {
        case pending(lastError: String?)
        case migrated(version: Int)
    }

    private let state = Mutex<State>(.pending(lastError: nil))

    public init() {}

    public func markMigrated(version: Int) {
        state.withLock { $0 = .migrated(version: version) }
    }

    public func markFailed(_ reason: String) {
        state.withLock { $0 = .pending(lastError: reason) }
    }

    public var version: Int? {
        state.withLock {
            if case .migrated(let version) = $0 { return version }
            return nil
        }
    }

    /// nil when migrated, otherwise why not.
    public var pendingReason: String? {
        state.withLock {
            switch $0 {
            case .migrated: return nil
            case .pending(let lastError): return "schema not migrated yet" + (lastError.map { ": \($0)" } ?? "")
            }
        }
    }
}
