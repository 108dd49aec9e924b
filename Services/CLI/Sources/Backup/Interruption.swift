import Foundation

/// The last SIGINT/SIGTERM received while `Interruption` watches (0: none). Written only by the signal handler,
/// read by the watcher: a sig_atomic_t, the one kind of variable a handler may set.
nonisolated(unsafe) private var receivedSignal: sig_atomic_t = 0

/// Turns ctrl-C (SIGINT) and SIGTERM into cancellation of the work, so its cleanup — dropping a scratch database,
/// removing a half-written file, stopping pg_restore — runs before the process exits (status 130), instead of the
/// default action killing the process mid-way.
///
/// A real handler is installed rather than SIG_IGN: handlers reset to the default on exec, ignored signals do not,
/// so pg_dump and pg_restore started meanwhile still stop on ctrl-C and on the SIGTERM sent to them.
enum Interruption {
    /// Runs `body` in a task that a signal cancels. After an interruption any error `body` ends with becomes
    /// `message` with exit status 130; work that completed anyway returns normally.
    static func cancellingOnSignals<Result: Sendable>(
        interruptedMessage message: String,
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        receivedSignal = 0
        let handler: @convention(c) (Int32) -> Void = { number in receivedSignal = number }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        let task = Task { try await body() }
        let watcher = Task {
            while !Task.isCancelled {
                if receivedSignal != 0 {
                    task.cancel()
                    return
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        defer {
            watcher.cancel()
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        do {
            return try await task.value
        } catch {
            if receivedSignal != 0 { throw CLIError(message, exitCode: 130) }
            throw error
        }
    }
}
