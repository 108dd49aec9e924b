import KeelsonFoundation
import Logging
import ServiceLifecycle

/// A background service whose stop is bounded: once asked to stop (gracefully or by cancellation) it has `limit`,
/// and past it this service returns without it, so the process can exit. For postgres-nio's pool, which ends only
/// when every connection it made has closed and every task it started has ended: seen after PostgreSQL was killed
/// under load, a pool cancelled with all its connections closed still did not return, and the process waited for its
/// forced exit. Leaving it is safe then — the process is exiting, and PostgreSQL ends what its connections left open.
struct BoundedStopService: Service, CustomStringConvertible {
    let base: any Service
    let limit: Duration
    let logger: Logger

    var description: String { serviceName(base) }

    func run() async throws {
        let outcome = FirstOutcome<Bool>()
        // Unstructured so it can be left behind; it inherits the task-locals, so it sees the graceful shutdown itself.
        let running = Task { [base] in
            do {
                try await base.run()
                outcome.resolve(.success(true))
            } catch {
                outcome.resolve(.failure(error))
            }
        }
        let giveUp: @Sendable () -> Void = { [limit] in
            Task {
                try? await Task.sleep(for: limit)
                outcome.resolve(.success(false))
            }
        }
        let stopped = try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await withCheckedThrowingContinuation { outcome.install($0) }
            } onGracefulShutdown: {
                giveUp()
            }
        } onCancel: {
            running.cancel()
            giveUp()
        }
        if !stopped {
            logger.warning("\(description) did not stop within \(limit) of being asked; the process exits without waiting for it")
        }
    }
}
