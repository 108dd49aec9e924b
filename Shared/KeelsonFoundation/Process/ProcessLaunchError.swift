import Foundation

/// The child could not be started (no such file, not executable, no such working directory, …).
public struct ProcessLaunchError: Error, CustomStringConvertible {
    public var executable: URL
    /// Foundation's reason, e.g. "The file “pg_dump” doesn’t exist."
    public var reason: String

    public init(executable: URL, reason: String) {
        self.executable = executable
        self.reason = reason
    }

    /// "cannot start /usr/bin/pg_dump: <reason>".
    public var description: String { "cannot start \(executable.path): \(reason)" }
}
