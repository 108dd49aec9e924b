import Synchronization

/// Raised when an operation did not finish within its time limit.
public struct TimeoutError: Error, Sendable, CustomStringConvertible {
    public var limit: Duration
    public var description: String { "no answer within \(limit)" }
}

/// Runs `operation` in a task of its own and returns its result, or throws `TimeoutError` after `limit` (or
/// `CancellationError` when the caller is cancelled) without waiting for it: unlike a task group, which waits for
/// its children, an operation that ignores cancellation — a query on a connection whose server went away can
/// hang — cannot hold the caller.
public func withDeadline<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let outcome = FirstOutcome<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            outcome.install(continuation)
            let work = Task {
                do { outcome.resolve(.success(try await operation())) } catch { outcome.resolve(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: limit)
                outcome.resolve(.failure(TimeoutError(limit: limit)))
                work.cancel()
            }
        }
    } onCancel: {
        outcome.resolve(.failure(CancellationError()))
    }
}

/// Runs `operation` in a task of its own and returns its result; or, as soon as `stop` (asked every `interval`)
/// names an error, throws it without waiting for the operation — as `withDeadline` does at its limit. A cancelled
/// caller is not let go early: the cancellation goes to the operation, and its outcome is awaited, so nothing the
/// operation still does can overlap what the caller does next.
public func withWatch<T: Sendable>(
    every interval: Duration, stop: @escaping @Sendable () -> (any Error)?, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = FirstOutcome<T>()
    let work = Mutex<Task<Void, Never>?>(nil)
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            outcome.install(continuation)
            let watch = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if let error = stop() {
                        outcome.resolve(.failure(error))
                        return
                    }
                }
            }
            let running = Task {
                do { outcome.resolve(.success(try await operation())) } catch { outcome.resolve(.failure(error)) }
                watch.cancel()
            }
            work.withLock { $0 = running }
        }
    } onCancel: {
        work.withLock { $0 }?.cancel()
    }
}

/// Resumes a continuation with whichever outcome arrives first; later ones are dropped.
public final class FirstOutcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var done = false
    }

    private let state = Mutex(State())

    public init() {}

    public func install(_ continuation: CheckedContinuation<T, any Error>) {
        let early: Result<T, any Error>? = state.withLock { state in
            if let early = state.early {
                state.done = true
                return early
            }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    public func resolve(_ result: Result<T, any Error>) {
        let continuation: CheckedContinuation<T, any Error>? = state.withLock { state in
            guard !state.done else { return nil }
            guard let continuation = state.continuation else {
                if state.early == nil { state.early = result }
                return nil
            }
            state.done = true
            state.continuation = nil
            return continuation
        }
        continuation?.resume(with: result)
    }
}
