import Foundation

/// A program to run as a child process: what to start, with which arguments, environment and working directory,
/// and where its standard streams go. Start it with `RunningProcess(starting:)`, or run it to completion with
/// `run()`.
public struct ProcessCommand: Sendable {
    /// Where the child's stdin comes from.
    public enum Input: Sendable {
        /// /dev/null.
        case null
        /// This process's stdin.
        case inherit
        /// A pipe this process writes to: `RunningProcess.standardInput`.
        case pipe
    }

    /// Where the child's stdout or stderr goes.
    public enum Output: Sendable {
        /// /dev/null.
        case discard
        /// This process's stdout or stderr.
        case inherit
        /// A temporary file, readable while the child runs (`RunningProcess.capturedOutput()`) and removed with
        /// the `RunningProcess`. A file, not a pipe: a child that writes a lot can never block on a full pipe.
        case capture
        /// A pipe this process reads from: `RunningProcess.standardOutput` (stdout only).
        case pipe
    }

    public var executable: URL
    public var arguments: [String]
    /// The child's whole environment; nil: this process's.
    public var environment: [String: String]?
    /// nil: this process's working directory.
    public var workingDirectory: URL?
    public var standardInput: Input
    public var standardOutput: Output
    public var standardError: Output

    public init(
        _ executable: URL,
        arguments: [String] = [],
        environment: [String: String]? = nil,
        workingDirectory: URL? = nil,
        standardInput: Input = .null,
        standardOutput: Output = .capture,
        standardError: Output = .capture
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.standardInput = standardInput
        self.standardOutput = standardOutput
        self.standardError = standardError
    }
}
