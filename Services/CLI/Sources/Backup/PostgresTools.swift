import Foundation
import KeelsonFoundation
import KeelsonPersistence
import Synchronization

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
            throw CLIError(
                "\(tool.rawValue) was not found \(place); install the PostgreSQL client tools (apt-get install postgresql-client, or brew install libpq)"
            )
        }
        return best
    }

    /// Locates `tool` and checks that it can work with a server of `serverMajor` (pg_dump refuses a newer
    /// server; pg_restore cannot read the archive format of a newer pg_dump).
    static func locate(_ tool: Tool, forServerMajor serverMajor: Int) throws(CLIError) -> Executable {
        let executable = try locate(tool)
        guard executable.majorVersion >= serverMajor else {
            throw CLIError(
                "\(executable.url.path) is version \(executable.majorVersion) but the server is PostgreSQL \(serverMajor); install postgresql-client-\(serverMajor) (or newer) and retry"
            )
        }
        return executable
    }

    /// "pg_dump (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)" → (15, the whole line).
    static func version(of executable: URL) -> (major: Int, text: String)? {
        guard let output = try? ProcessCommand(executable, arguments: ["--version"], standardError: .discard).runBlocking() else { return nil }
        let text = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
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
        let command = ProcessCommand(executable.url, arguments: arguments, environment: environment(for: database), standardOutput: .discard)
        let output: ProcessOutput
        do {
            output = try await command.run(gracePeriod: .seconds(2))
        } catch let error as ProcessLaunchError {
            throw CLIError(error.description)
        }
        return Outcome(status: output.termination.status, stderr: output.stderr)
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
        let environment = environment(for: database)
        let pipeline = RestorePipeline(
            restore: ProcessCommand(
                pgRestore.url,
                arguments: ["--clean", "--if-exists", "--exit-on-error"] + restoreOptions + ["--file=-", dump.path],
                environment: environment,
                standardOutput: .pipe
            ),
            psql: ProcessCommand(
                psql.url,
                arguments: ["--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1", "--dbname=\(conninfo(database: database.database))"],
                environment: environment,
                standardInput: .pipe,
                standardOutput: .discard
            ),
            prelude: "BEGIN;\n" + prelude + "\n",
            commit: "COMMIT;\n"
        )
        let outcomes = try await withTaskCancellationHandler {
            try await pipeline.run()
        } onCancel: {
            pipeline.stop()
        }
        try Task.checkCancellation()
        return outcomes
    }
}

/// pg_restore | (prelude, script, COMMIT only on success) | psql, copied through this process so the COMMIT can be
/// withheld.
private final class RestorePipeline: Sendable {
    private let restoreCommand: ProcessCommand
    private let psqlCommand: ProcessCommand
    private let prelude: String
    private let commit: String
    /// Whether `stop` was called, and the children started so far (psql first) for it to stop.
    private let state = Mutex<(stopped: Bool, children: [RunningProcess])>((false, []))

    init(restore: ProcessCommand, psql: ProcessCommand, prelude: String, commit: String) {
        restoreCommand = restore
        psqlCommand = psql
        self.prelude = prelude
        self.commit = commit
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    func run() async throws -> (restore: PostgresTools.Outcome, psql: PostgresTools.Outcome) {
        // A write to psql after it stopped must fail with EPIPE, not kill this process.
        signal(SIGPIPE, SIG_IGN)
        let psql = try start(psqlCommand)
        let restore: RunningProcess
        do {
            restore = try start(restoreCommand)
        } catch {
            try? psql.standardInput?.close()
            _ = await psql.wait()
            throw error
        }
        // Both pipes exist: the commands ask for them.
        let writer = psql.standardInput!
        let reader = restore.standardOutput!
        let psqlGone = await copy(from: reader, to: writer)
        if psqlGone || isStopped {
            // psql stopped on an error (or we were interrupted): nothing more will be applied; stop pg_restore too.
            restore.signal(SIGTERM)
        }
        try? reader.close()
        let restoreEnd = await restore.wait()
        if restoreEnd.succeeded, !psqlGone, !isStopped {
            _ = try? writer.write(contentsOf: Data(commit.utf8))
        }
        try? writer.close()
        let psqlEnd = await psql.wait()
        return (
            PostgresTools.Outcome(status: restoreEnd.shellStatus, stderr: restore.capturedOutput().stderr),
            PostgresTools.Outcome(status: psqlEnd.shellStatus, stderr: psql.capturedOutput().stderr)
        )
    }

    /// Starts a child unless the pipeline was stopped; one started while `stop` ran is stopped at once.
    private func start(_ command: ProcessCommand) throws -> RunningProcess {
        guard !isStopped else { throw CancellationError() }
        let child: RunningProcess
        do throws(ProcessLaunchError) {
            child = try RunningProcess(starting: command)
        } catch {
            throw CLIError(error.description)
        }
        let stoppedMeanwhile = state.withLock { state in
            state.children.append(child)
            return state.stopped
        }
        if stoppedMeanwhile { child.terminate() }
        return child
    }

    /// Sends the prelude, then pg_restore's script, to psql; true when psql stopped reading. The copy blocks, so it
    /// runs on a thread of its own.
    private func copy(from reader: FileHandle, to writer: FileHandle) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in
                var psqlGone = (try? writer.write(contentsOf: Data(prelude.utf8))) == nil
                while !psqlGone, !isStopped {
                    guard let chunk = try? reader.read(upToCount: 1 << 16), !chunk.isEmpty else { break }
                    if (try? writer.write(contentsOf: chunk)) == nil { psqlGone = true }
                }
                continuation.resume(returning: psqlGone)
            }
        }
    }

    /// Interrupted: psql first (its connection closes, the transaction rolls back, no COMMIT is ever sent), then
    /// pg_restore — SIGTERM, then SIGKILL after two seconds.
    func stop() {
        let children = state.withLock { state in
            state.stopped = true
            return state.children
        }
        for child in children { child.terminate(gracePeriod: .seconds(2)) }
    }
}
