import Foundation
import Synchronization

/// A started child process: awaited through Foundation's termination handler (no thread is blocked while it
/// runs), signalled or stopped from any thread, its captured output readable while it runs.
///
/// Children are started from a short-lived thread whose signal mask is empty. A child inherits the mask of the
/// thread that starts it, and the threads of Swift concurrency and NIO block most signals: pg_dump or psql started
/// from one would ignore SIGTERM and ctrl-C. (Foundation also puts the child in a process group of its own, so
/// the terminal's ctrl-C reaches only this process: pass it on with `signal` or `terminate`.)
public final class RunningProcess: Sendable {
    public let command: ProcessCommand
    public let processIdentifier: Int32
    /// The write end of the child's stdin when the command's `standardInput` is `.pipe`; close it to send
    /// end-of-file.
    public let standardInput: FileHandle?
    /// The read end of the child's stdout when the command's `standardOutput` is `.pipe`.
    public let standardOutput: FileHandle?

    private let capturedStdout: URL?
    private let capturedStderr: URL?
    private let captureDirectory: URL?
    private let waiters: Waiters

    /// Starts `command`; throws `ProcessLaunchError` when it cannot be started. Returns once the child has been
    /// spawned (the calling thread waits for that, not for the child).
    public init(starting command: ProcessCommand) throws(ProcessLaunchError) {
        self.command = command
        let process = Process()
        process.executableURL = command.executable
        process.arguments = command.arguments
        if let environment = command.environment { process.environment = environment }
        if let directory = command.workingDirectory { process.currentDirectoryURL = directory }

        var openedFiles: [FileHandle] = []
        var captureDirectory: URL?
        func captureFile(_ name: String) throws -> (URL, FileHandle) {
            let directory =
                try captureDirectory
                ?? {
                    let directory = FileManager.default.temporaryDirectory
                        .appendingPathComponent("keelson-\(command.executable.lastPathComponent)-\(UUID().uuidString)")
                    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                    return directory
                }()
            captureDirectory = directory
            let url = directory.appendingPathComponent(name)
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            let handle = try FileHandle(forWritingTo: url)
            openedFiles.append(handle)
            return (url, handle)
        }
        var stdinPipe: Pipe?
        var stdoutPipe: Pipe?
        var stdoutURL: URL?
        var stderrURL: URL?
        do {
            switch command.standardInput {
            case .null: process.standardInput = FileHandle.nullDevice
            case .inherit: break  // Foundation's default
            case .pipe:
                let pipe = Pipe()
                stdinPipe = pipe
                process.standardInput = pipe
            }
            switch command.standardOutput {
            case .discard: process.standardOutput = FileHandle.nullDevice
            case .inherit: break
            case .capture:
                let (url, handle) = try captureFile("stdout")
                stdoutURL = url
                process.standardOutput = handle
            case .pipe:
                let pipe = Pipe()
                stdoutPipe = pipe
                process.standardOutput = pipe
            }
            switch command.standardError {
            case .discard: process.standardError = FileHandle.nullDevice
            case .inherit: break
            case .capture:
                let (url, handle) = try captureFile("stderr")
                stderrURL = url
                process.standardError = handle
            case .pipe:
                preconditionFailure("a pipe from stderr is not supported; capture it")
            }
        } catch {
            for handle in openedFiles { try? handle.close() }
            if let captureDirectory { try? FileManager.default.removeItem(at: captureDirectory) }
            throw ProcessLaunchError(executable: command.executable, reason: error.localizedDescription)
        }

        // Set before the launch, so an exit however early is seen. The handler holds the waiters, not `self`: the
        // Process keeps its handler for good.
        let waiters = Waiters()
        process.terminationHandler = { process in
            waiters.finish(process.terminationReason == .exit ? .exited(process.terminationStatus) : .signalled(process.terminationStatus))
        }
        let launched = Self.launchWithEmptySignalMask(process)
        // The child has its own copies of the capture files' descriptors now (or never will).
        for handle in openedFiles { try? handle.close() }
        if let error = launched {
            if let captureDirectory { try? FileManager.default.removeItem(at: captureDirectory) }
            throw ProcessLaunchError(executable: command.executable, reason: error.localizedDescription)
        }

        self.processIdentifier = process.processIdentifier
        self.standardInput = stdinPipe?.fileHandleForWriting
        self.standardOutput = stdoutPipe?.fileHandleForReading
        self.capturedStdout = stdoutURL
        self.capturedStderr = stderrURL
        self.captureDirectory = captureDirectory
        self.waiters = waiters
    }

    deinit {
        if let captureDirectory { try? FileManager.default.removeItem(at: captureDirectory) }
    }

    /// How the child ended; nil while it runs.
    public var termination: ProcessTermination? { waiters.termination }

    public var isRunning: Bool { termination == nil }

    /// Sends `signal` to the child, unless it has already ended.
    public func signal(_ signal: Int32) {
        guard isRunning else { return }
        kill(processIdentifier, signal)
    }

    /// Asks the child to stop with SIGTERM, and kills it with SIGKILL if it is still running `gracePeriod` later.
    /// Returns at once: `wait()` for the end.
    public func terminate(gracePeriod: Duration = .seconds(2)) {
        guard isRunning else { return }
        kill(processIdentifier, SIGTERM)
        Task { [self] in
            if await wait(timeout: gracePeriod) == nil { signal(SIGKILL) }
        }
    }

    /// Waits until the child has ended (at once when it has). Neither cancelling the waiting task nor anything
    /// else ends this wait early: stop the child with `terminate` to end it.
    public func wait() async -> ProcessTermination {
        let id = waiters.newID()
        // A waiter registered without a timeout or cancellation handler is only ever resumed by `finish`.
        return await withCheckedContinuation { continuation in
            waiters.add(id) { continuation.resume(returning: $0!) }
        }
    }

    /// Waits at most `timeout` for the child to end; nil when it is still running then, or when the waiting task
    /// is cancelled. The child is left running either way.
    public func wait(timeout: Duration) async -> ProcessTermination? {
        let id = waiters.newID()
        let timer = Task { [waiters] in
            do { try await Task.sleep(for: timeout) } catch { return }
            waiters.abandon(id)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters.add(id) { continuation.resume(returning: $0) }
            }
        } onCancel: {
            waiters.abandon(id)
        }
    }

    /// Blocks the calling thread until the child has ended: for short commands run from synchronous code only.
    public func waitBlocking() -> ProcessTermination {
        let ended = DispatchSemaphore(value: 0)
        waiters.add(waiters.newID()) { _ in ended.signal() }
        ended.wait()
        return termination!
    }

    /// What the child has written so far to its captured stdout and stderr ("" for a stream not captured). Bytes
    /// that are not UTF-8 are replaced.
    public func capturedOutput() -> (stdout: String, stderr: String) {
        func read(_ url: URL?) -> String {
            guard let url, let data = FileManager.default.contents(atPath: url.path) else { return "" }
            return String(decoding: data, as: UTF8.self)
        }
        return (read(capturedStdout), read(capturedStderr))
    }

    /// Runs `process.run()` on a new thread with an empty signal mask, and waits for it to return; the error it
    /// threw, if any.
    private static func launchWithEmptySignalMask(_ process: Process) -> (any Error)? {
        let outcome = LaunchOutcome()
        let thread = Thread {
            var empty = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, nil)
            do { try process.run() } catch { outcome.error.withLock { $0 = error } }
            outcome.done.signal()
        }
        thread.start()
        outcome.done.wait()
        return outcome.error.withLock { $0 }
    }
}

private final class LaunchOutcome: Sendable {
    let error = Mutex<(any Error)?>(nil)
    let done = DispatchSemaphore(value: 0)
}

/// The child's end, once known, and the callbacks waiting for it. A callback is called exactly once: with the
/// termination, or with nil when its wait is abandoned (timeout, cancellation) before the end.
private final class Waiters: Sendable {
    typealias Callback = @Sendable (ProcessTermination?) -> Void

    private struct State {
        var termination: ProcessTermination?
        var waiting: [Int: Callback] = [:]
        /// Abandoned before they were added: added later, they are called with nil at once.
        var abandoned: Set<Int> = []
        var lastID = 0
    }

    private let state = Mutex(State())

    var termination: ProcessTermination? { state.withLock { $0.termination } }

    func newID() -> Int {
        state.withLock { state in
            state.lastID += 1
            return state.lastID
        }
    }

    func add(_ id: Int, _ callback: @escaping Callback) {
        enum Now { case wait, end(ProcessTermination), abandoned }
        let now: Now = state.withLock { state in
            if let termination = state.termination { return .end(termination) }
            if state.abandoned.remove(id) != nil { return .abandoned }
            state.waiting[id] = callback
            return .wait
        }
        switch now {
        case .wait: break
        case .end(let termination): callback(termination)
        case .abandoned: callback(nil)
        }
    }

    func abandon(_ id: Int) {
        let callback: Callback? = state.withLock { state in
            if let callback = state.waiting.removeValue(forKey: id) { return callback }
            if state.termination == nil { state.abandoned.insert(id) }
            return nil
        }
        callback?(nil)
    }

    func finish(_ termination: ProcessTermination) {
        let callbacks = state.withLock { state in
            state.termination = termination
            defer {
                state.waiting = [:]
                state.abandoned = []
            }
            return Array(state.waiting.values)
        }
        for callback in callbacks { callback(termination) }
    }
}
