import Foundation

extension ProcessCommand {
    /// Runs the command to completion. Cancelling the calling task stops the child — SIGTERM, then SIGKILL after
    /// `gracePeriod` — and throws `CancellationError` once it has ended; a task already cancelled starts nothing.
    public func run(gracePeriod: Duration = .seconds(2)) async throws -> ProcessOutput {
        try Task.checkCancellation()
        let child = try RunningProcess(starting: self)
        let termination = await withTaskCancellationHandler {
            await child.wait()
        } onCancel: {
            child.terminate(gracePeriod: gracePeriod)
        }
        try Task.checkCancellation()
        let (stdout, stderr) = child.capturedOutput()
        return ProcessOutput(termination: termination, stdout: stdout, stderr: stderr)
    }

    /// Runs the command to completion, blocking the calling thread: for a short command (`pg_dump --version`)
    /// that synchronous code needs.
    public func runBlocking() throws(ProcessLaunchError) -> ProcessOutput {
        let child = try RunningProcess(starting: self)
        let termination = child.waitBlocking()
        let (stdout, stderr) = child.capturedOutput()
        return ProcessOutput(termination: termination, stdout: stdout, stderr: stderr)
    }
}
