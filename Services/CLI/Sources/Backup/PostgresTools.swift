import Foundation
import KeelsonPersistence

/// pg_dump, pg_restore and psql, found and run the same way everywhere: the newest one on the machine, the
/// database named through the child's environment (the password in PGPASSWORD, never on a command line that `ps`
/// shows), stderr kept for the error message, and the child stopped when the command is interrupted.
enum PostgresTools {
    enum Tool: String, Sendable {
        case pgDump = "pg_dump"
        case pgRestore = "pg_restore"
        case psql
    }

    /// A located executable and its major version (15 for "pg_dump (PostgreSQL) 15.8").
    struct Executable: Sendable {
        var tool: Tool
        var url: URL
        var majorVersion: Int
        var versionText: String
    }

    /// How a run ended: the exit status and what the tool wrote on stderr.
    struct Outcome: Sendable {
        var status: Int32
        var stderr: String

        var succeeded: Bool { status == 0 }

        /// The tool's first error line without its "pg_restore: error: " or "psql:<stdin>:12: ERROR:" prefix, for a
        /// one-line message.
        var firstError: String {
            let markers = ["error: ", "ERROR: ", "FATAL: "]
            let lines = stderr.split(separator: "\n").map(String.init)
            let line = lines.first { line in markers.contains { line.contains($0) } } ?? lines.first ?? "exit status \(status)"
            for marker in markers {
                if let range = line.range(of: marker) {
                    return line[range.upperBound...].trimmingCharacters(in: .whitespaces)
                }
            }
            return line.trimmingCharacters(in: .whitespaces)
        }
    }

    /// Where to look, in order: `KEELSON_PG_BIN_DIR` alone when it is set; else every PATH entry, then
    /// /usr/lib/postgresql/<version>/bin (Debian's layout), newest version first.
    static func searchDirectories(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        if let only = environment["KEELSON_PG_BIN_DIR"], !only.isEmpty { return [only] }
        let path = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        let versioned = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap { name in Int(name).map { (version: $0, dir: "/usr/lib/postgresql/\(name)/bin") } }
            .sorted { $0.version > $1.version }
            .map(\.dir)
        return path + versioned
    }

    /// The highest-version copy of `tool` in `searchDirectories` (the first found wins a tie: PATH before the
    /// versioned directories). Throws the one-line "install postgresql-client" error when there is none.
    static func locate(_ tool: Tool, environment: [String: String] = ProcessInfo.processInfo.environment) throws(CLIError) -> Executable {
        var best: Executable?
        var seen = Set<String>()
        for directory in searchDirectories(environment: environment) {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent(tool.rawValue)
            let resolved = candidate.resolvingSymlinksInPath().path
            guard FileManager.default.isExecutableFile(atPath: candidate.path), seen.insert(resolved).inserted else { continue }
            guard let (major, text) = version(of: candidate) else { continue }
            if best == nil || major > best!.majorVersion {
                best = Executable(tool: tool, url: candidate, majorVersion: major, versionText: text)
            }
        }
        guard let best else {
            let place = environment["KEELSON_PG_BIN_DIR"].map { "in KEELSON_PG_BIN_DIR (\($0))" } ?? "on PATH or in /usr/lib/postgresql/*/bin"
            throw CLIError("\(tool.rawValue) was not found \(place); install the PostgreSQL client tools (apt-get install postgresql-client, or brew install libpq)")
        }
        return best
    }

    /// Locates `tool` and checks that it can work with a server of `serverMajor` (pg_dump refuses a newer
    /// server; pg_restore cannot read the archive format of a newer pg_dump).
    static func locate(_ tool: Tool, forServerMajor serverMajor: Int) throws(CLIError) -> Executable {
        let executable = try locate(tool)
        guard executable.majorVersion >= serverMajor else {
            throw CLIError("\(executable.url.path) is version \(executable.majorVersion) but the server is PostgreSQL \(serverMajor); install postgresql-client-\(serverMajor) (or newer) and retry")
        }
        return executable
    }

    /// "pg_dump (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)" → (15, the whole line).
    static func version(of executable: URL) -> (major: Int, text: String)? {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let marker = text.range(of: "(PostgreSQL) ") else { return nil }
        let digits = text[marker.upperBound...].prefix { $0.isNumber }
        return Int(digits).map { ($0, text) }
    }

    /// The child's environment: ours, with the connection given as libpq variables (so the password never
    /// appears in an argument list) and any PGSERVICE that could point it elsewhere removed.
    static func environment(for database: DatabaseURL, base: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var environment = base.filter { !["PGSERVICE", "PGSERVICEFILE", "PGPASSFILE", "PGPASSWORD", "PGOPTIONS"].contains($0.key) }
        environment["PGHOST"] = database.host
        environment["PGPORT"] = String(database.port)
        environment["PGUSER"] = database.username
        environment["PGDATABASE"] = database.database
        environment["PGSSLMODE"] = database.tlsMode.rawValue
        environment["PGCONNECT_TIMEOUT"] = "10"
        environment["PGAPPNAME"] = "keelson-backup"
        if let password = database.password { environment["PGPASSWORD"] = password }
        return environment
    }

    /// `dbname='name'` for `--dbname`: the database alone, quoted as libpq wants; host, user and password come from
    /// the environment.
    static func conninfo(database: String) -> String {
        "dbname='" + database.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// Runs `executable` against `database` to completion. Cancelling the calling task (ctrl-C) stops the
    /// child — SIGTERM, then SIGKILL after two seconds — and throws `CancellationError` once it has exited.
    static func run(_ executable: Executable, _ arguments: [String], database: DatabaseURL) async throws -> Outcome {
        let child = RunningTool(executable.url, arguments: arguments, environment: environment(for: database))
        let status = try await withTaskCancellationHandler {
            try await child.run()
        } onCancel: {
            child.stop()
        }
        try Task.checkCancellation()
        return Outcome(status: status, stderr: child.stderr())
    }

    /// Restores `dump` into `database` as ONE transaction that begins with `prelude`: pg_restore writes the SQL
    /// script (`--clean --if-exists`: each object dropped before it is created again) and psql runs it with
    /// ON_ERROR_STOP. COMMIT is sent only after pg_restore has exited cleanly; on any failure psql stops, or reaches
    /// the end of its input inside the open transaction, and PostgreSQL rolls everything back.
    ///
    /// `pg_restore --single-transaction` alone cannot do this: it cannot run the prelude (dropping tables that
    /// are not in the backup, such as a newer migration's) in its transaction.
    static func restoreInOneTransaction(
        pgRestore: Executable, psql: Executable, dump: URL, prelude: String, database: DatabaseURL, restoreOptions: [String]
    ) async throws -> (restore: Outcome, psql: Outcome) {
        let pipeline = RestorePipeline(
            pgRestore: pgRestore.url,
            restoreArguments: ["--clean", "--if-exists", "--exit-on-error"] + restoreOptions + ["--file=-", dump.path],
            psql: psql.url,
            psqlArguments: ["--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1", "--dbname=\(conninfo(database: database.database))"],
            environment: environment(for: database),
            prelude: "BEGIN;\n" + prelude + "\n",
            commit: "COMMIT;\n"
        )
        let statuses = try await withTaskCancellationHandler {
            try await pipeline.run()
        } onCancel: {
            pipeline.stop()
        }
        try Task.checkCancellation()
        return (Outcome(status: statuses.restore, stderr: pipeline.restoreStderr()), Outcome(status: statuses.psql, stderr: pipeline.psqlStderr()))
    }
}

/// Temporary files for the children's stderr, removed with their owner.
private struct StderrFile {
    let url: URL

    init(_ name: String) {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-\(name)-\(UUID().uuidString).stderr")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    }

    func handle() throws -> FileHandle { try FileHandle(forWritingTo: url) }

    func read() -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// pg_restore | (prelude, script, COMMIT only on success) | psql, copied through this process so the COMMIT can be
/// withheld. Runs on a thread of its own: the copy blocks.
private final class RestorePipeline: @unchecked Sendable {
    // @unchecked: the processes are used through Foundation's thread-safe Process API; `stopped` is guarded by `lock`.
    private let restore = Process()
    private let psql = Process()
    private let prelude: String
    private let commit: String
    private let restoreErrors = StderrFile("pg_restore")
    private let psqlErrors = StderrFile("psql")
    private let lock = NSLock()
    private var stopped = false

    init(pgRestore: URL, restoreArguments: [String], psql psqlURL: URL, psqlArguments: [String], environment: [String: String], prelude: String, commit: String) {
        restore.executableURL = pgRestore
        restore.arguments = restoreArguments
        restore.environment = environment
        psql.executableURL = psqlURL
        psql.arguments = psqlArguments
        psql.environment = environment
        self.prelude = prelude
        self.commit = commit
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    func run() async throws -> (restore: Int32, psql: Int32) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { [self] in
                do {
                    continuation.resume(returning: try runBlocking())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func runBlocking() throws -> (restore: Int32, psql: Int32) {
        // A write to psql after it stopped must fail with EPIPE, not kill this process.
        signal(SIGPIPE, SIG_IGN)
        // This thread is ours: clear the signal mask it inherited, so psql and pg_restore (which inherit it) stop on
        // SIGTERM and ctrl-C.
        SignalMask.clearForThisThread()
        let toPsql = Pipe()
        let fromRestore = Pipe()
        let restoreErrorHandle = try restoreErrors.handle()
        let psqlErrorHandle = try psqlErrors.handle()
        defer {
            try? restoreErrorHandle.close()
            try? psqlErrorHandle.close()
        }
        psql.standardInput = toPsql
        psql.standardOutput = FileHandle.nullDevice
        psql.standardError = psqlErrorHandle
        restore.standardInput = FileHandle.nullDevice
        restore.standardOutput = fromRestore
        restore.standardError = restoreErrorHandle
        guard !isStopped else { throw CancellationError() }
        do {
            try psql.run()
        } catch {
            throw CLIError("cannot start \(psql.executableURL?.path ?? "psql"): \(error.localizedDescription)")
        }
        do {
            try restore.run()
        } catch {
            try? toPsql.fileHandleForWriting.close()
            psql.waitUntilExit()
            throw CLIError("cannot start \(restore.executableURL?.path ?? "pg_restore"): \(error.localizedDescription)")
        }
        let writer = toPsql.fileHandleForWriting
        let reader = fromRestore.fileHandleForReading
        var psqlGone = (try? writer.write(contentsOf: Data(prelude.utf8))) == nil
        while !psqlGone, !isStopped {
            guard let chunk = try? reader.read(upToCount: 1 << 16), !chunk.isEmpty else { break }
            if (try? writer.write(contentsOf: chunk)) == nil { psqlGone = true }
        }
        if psqlGone || isStopped, restore.isRunning {
            // psql stopped on an error (or we were interrupted): nothing more will be applied; stop pg_restore too.
            kill(restore.processIdentifier, SIGTERM)
        }
        try? reader.close()
        restore.waitUntilExit()
        if restore.terminationReason == .exit, restore.terminationStatus == 0, !psqlGone, !isStopped {
            _ = try? writer.write(contentsOf: Data(commit.utf8))
        }
        try? writer.close()
        psql.waitUntilExit()
        let restoreStatus = restore.terminationReason == .exit ? restore.terminationStatus : 128 + restore.terminationStatus
        let psqlStatus = psql.terminationReason == .exit ? psql.terminationStatus : 128 + psql.terminationStatus
        return (restoreStatus, psqlStatus)
    }

    /// Interrupted: psql first (its connection closes, the transaction rolls back, no COMMIT is ever sent), then
    /// pg_restore.
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        for process in [psql, restore] where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) { [self] in
            for process in [psql, restore] where process.isRunning {
                kill(process.processIdentifier, SIGKILL)
            }
        }
    }

    func restoreStderr() -> String { restoreErrors.read() }
    func psqlStderr() -> String { psqlErrors.read() }

    deinit {
        restoreErrors.remove()
        psqlErrors.remove()
    }
}

/// One child process: started, awaited through its termination handler, stoppable from any thread.
private final class RunningTool: @unchecked Sendable {
    // @unchecked: `process` is used through Foundation's thread-safe Process API; `stopped` is guarded by `lock`.
    private let process = Process()
    private let stderrURL: URL
    private let lock = NSLock()
    private var stopped = false

    init(_ executable: URL, arguments: [String], environment: [String: String]) {
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-\(executable.lastPathComponent)-\(UUID().uuidString).stderr")
    }

    func run() async throws -> Int32 {
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stderrHandle = try FileHandle(forWritingTo: stderrURL)
        defer { try? stderrHandle.close() }
        process.standardError = stderrHandle
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { process in continuation.resume(returning: process.terminationStatus) }
            lock.lock()
            let alreadyStopped = stopped
            lock.unlock()
            if alreadyStopped {
                process.terminationHandler = nil
                continuation.resume(throwing: CancellationError())
                return
            }
            do {
                try SignalMask.launch(process)
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: CLIError("cannot start \(process.executableURL?.path ?? "the PostgreSQL tool"): \(error.localizedDescription)"))
            }
        }
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) { [self] in
            if process.isRunning { kill(pid, SIGKILL) }
        }
    }

    func stderr() -> String {
        defer { try? FileManager.default.removeItem(at: stderrURL) }
        return (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
    }

    deinit {
        try? FileManager.default.removeItem(at: stderrURL)
    }
}

/// A child inherits the signal mask of the thread that starts it, and the Swift runtime's and NIO's threads block
/// most signals: pg_dump or pg_restore started from one would ignore SIGTERM and ctrl-C. Children are therefore
/// started from a thread whose mask is empty.
enum SignalMask {
    static func clearForThisThread() {
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
    }

    /// Runs `process.run()` on a short-lived thread with an empty signal mask and waits for it.
    static func launch(_ process: Process) throws {
        let launch = Launch(process)
        let thread = Thread { launch.start() }
        thread.start()
        launch.done.wait()
        if let error = launch.error { throw error }
    }

    private final class Launch: @unchecked Sendable {
        // @unchecked: `error` is written by the launching thread before it signals `done`, and read only after.
        let process: Process
        let done = DispatchSemaphore(value: 0)
        var error: (any Error)?

        init(_ process: Process) { self.process = process }

        func start() {
            SignalMask.clearForThisThread()
            do { try process.run() } catch { self.error = error }
            done.signal()
        }
    }
}
