/// A command run to completion: how it ended and what it wrote to its captured stdout and stderr ("" for a stream
/// that was not captured).
public struct ProcessOutput: Sendable {
    public var termination: ProcessTermination
    public var stdout: String
    public var stderr: String

    public init(termination: ProcessTermination, stdout: String, stderr: String) {
        self.termination = termination
        self.stdout = stdout
        self.stderr = stderr
    }
}
