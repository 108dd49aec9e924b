import Foundation
import KeelsonFoundation
import Synchronization

/// Runs the package's own executables as separate processes, the way an operator or Kubernetes does. Refuses to
/// run one that is older than its sources: a test must never pass or fail on yesterday's binary.
public final class ChildProcess: Sendable {
    /// The running executable.
    public let process: RunningProcess
    /// The empty folder made for the child to run in when the test gives none; removed with this object.
    private let scratchDirectory: URL?

    public struct Result: Sendable {
        public var exitCode: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The folder holding the built executables (next to the test bundle), or `KEELSON_BIN_DIR`.
    public static func binDirectory() throws -> URL {
        if let override = ProcessInfo.processInfo.environment["KEELSON_BIN_DIR"] {
            return URL(fileURLWithPath: override)
        }
        var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("keelson").path) { return candidate }
            candidate = candidate.deletingLastPathComponent()
        }
        throw TestSetupError("cannot find the built executables next to \(CommandLine.arguments[0]); run `swift build` first or set KEELSON_BIN_DIR")
    }

    public init(_ executable: String, arguments: [String] = [], environment: [String: String] = [:], workingDirectory: URL? = nil) throws {
        let url = try Self.binDirectory().appendingPathComponent(executable)
        try BuiltExecutable.checkUpToDate(url)
        var scratch: URL?
        if workingDirectory == nil {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-child-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            scratch = directory
        }
        let command = ProcessCommand(
            url,
            arguments: arguments,
            // A clean environment: only what the test passes, plus PATH, so the developer's own settings cannot leak in.
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"].merging(environment) { _, new in new },
            workingDirectory: workingDirectory ?? scratch
        )
        do {
            process = try RunningProcess(starting: command)
        } catch {
            if let scratch { try? FileManager.default.removeItem(at: scratch) }
            throw error
        }
        scratchDirectory = scratch
    }

    public var isRunning: Bool { process.isRunning }

    public func signal(_ signal: Int32) {
        process.signal(signal)
    }

    /// Waits for the process to exit; kills it and throws if it takes longer than `timeout`. `exitCode` is the exit
    /// status, or the number of the signal that ended it.
    @discardableResult
    public func wait(timeout: Duration = .seconds(30)) async throws -> Result {
        guard let termination = await process.wait(timeout: timeout) else {
            signal(SIGKILL)
            throw TestSetupError("\(process.command.executable.lastPathComponent) did not exit within \(timeout); output: \(output().stderr)")
        }
        var result = output()
        result.exitCode = termination.status
        return result
    }

    /// What the process has written so far (`exitCode` -1).
    public func output() -> Result {
        let (stdout, stderr) = process.capturedOutput()
        return Result(exitCode: -1, stdout: stdout, stderr: stderr)
    }

    /// Runs an executable to completion.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60))
        async throws -> Result
    {
        try await ChildProcess(executable, arguments: arguments, environment: environment).wait(timeout: timeout)
    }

    deinit {
        process.signal(SIGKILL)
        keepServiceLog()
        if let scratchDirectory { try? FileManager.default.removeItem(at: scratchDirectory) }
    }

    /// The services' own executables write logs; with `KEELSON_TEST_LOGS` set (`make test` sets it), each one's
    /// output is kept there so that scripts/check-secrets.sh can look through every log the suite wrote.
    private func keepServiceLog() {
        guard let directory = ProcessInfo.processInfo.environment["KEELSON_TEST_LOGS"] else { return }
        let name = process.command.executable.lastPathComponent
        guard Self.services.contains(name) else { return }
        let (stdout, stderr) = process.capturedOutput()
        let file = URL(fileURLWithPath: directory).appendingPathComponent("\(name)-\(UUID().uuidString).log")
        try? Data((stdout + stderr).utf8).write(to: file)
    }

    static let services: Set<String> = ["keelson-engine", "keelson-gateway", "keelson-marketdata", "keelson-signals"]
}

extension RunningProcess {
    /// The exit status, or the number of the signal that ended the process; -1 while it runs (Foundation's
    /// `Process.terminationStatus`, for the tests written against it).
    public var terminationStatus: Int32 { termination?.status ?? -1 }
}

/// The check that an executable in the bin folder was built from the sources as they are now.
enum BuiltExecutable {
    /// Executables found up to date, checked once per test run.
    private static let upToDate = Mutex<Set<String>>([])

    /// Throws when a source file the executable is built from changed after it was last compiled and linked.
    static func checkUpToDate(_ executable: URL) throws {
        guard !upToDate.withLock({ $0.contains(executable.path) }) else { return }
        // A missing executable is reported when it fails to start.
        guard let linked = modificationDate(executable) else { return }
        let root = ServiceProcess.packageRoot
        if let changed = changedSince(linked, executable: executable, packageRoot: root) {
            let name = changed.path.hasPrefix(root.path + "/") ? String(changed.path.dropFirst(root.path.count + 1)) : changed.path
            throw TestSetupError(
                "\(executable.path) is older than \(name): the binary is stale; run `swift build` (or `make test`, which builds everything first) and run the tests again"
            )
        }
        upToDate.withLock { _ = $0.insert(executable.path) }
    }

    /// A file showing that the executable linked at `linked` is stale, or nil.
    ///
    /// SwiftPM lists the object files it links in `<name>.product/Objects.LinkFileList`, and each module's sources
    /// in `<module>.build/sources`: stale is an object file newer than the executable (compiled, not linked since),
    /// or a source of the package's own (Shared/, Services/, Tools/) newer than both the executable and its
    /// module's last compilation (`primary.priors`, written by every build of the module — a file saved without a
    /// change is compiled to the same object, and the executable is rightly not linked again). Only the modules
    /// the executable is built from count: a change to another service's code does not make it stale. Without
    /// those files (a bin folder SwiftPM did not make), any Swift file under Shared/, Services/ and Tools/ newer
    /// than the executable.
    static func changedSince(_ linked: Date, executable: URL, packageRoot root: URL) -> URL? {
        let folders = ["Shared", "Services", "Tools"].map { root.appendingPathComponent($0).path + "/" }
        let linkList = executable.deletingLastPathComponent().appendingPathComponent("\(executable.lastPathComponent).product/Objects.LinkFileList")
        guard let objects = lines(of: linkList)?.map({ URL(fileURLWithPath: $0) }) else {
            return folders.lazy.flatMap { folder in
                (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix(".swift") }
                    .map { URL(fileURLWithPath: folder + $0) }
            }
            .first { (modificationDate($0) ?? .distantPast) > linked }
        }
        if let object = objects.first(where: { (modificationDate($0) ?? .distantPast) > linked }) { return object }
        for module in Set(objects.map { $0.deletingLastPathComponent() }) {
            let compiled = max(linked, modificationDate(module.appendingPathComponent("primary.priors")) ?? .distantPast)
            let changed = (lines(of: module.appendingPathComponent("sources")) ?? [])
                .filter { path in folders.contains { path.hasPrefix($0) } }
                .first { (modificationDate(URL(fileURLWithPath: $0)) ?? .distantPast) > compiled }
            if let changed { return URL(fileURLWithPath: changed) }
        }
        return nil
    }

    /// The non-empty lines of a file SwiftPM wrote, each path unquoted; nil when it cannot be read.
    private static func lines(of file: URL) -> [String]? {
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            var path = line.trimmingCharacters(in: .whitespaces)
            if path.count >= 2, let quote = path.first, quote == "'" || quote == "\"", path.last == quote {
                path = String(path.dropFirst().dropLast())
            }
            return path.isEmpty ? nil : path
        }
    }

    private static func modificationDate(_ url: URL) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
    }
}

extension ChildProcess {
    /// The port a service started with `KEELSON_PORT=0` listens on, from its JSON `listening` log line (logged at
    /// notice). A port the kernel gives the server itself cannot be taken by another test between picking and
    /// binding it, as a port picked by the test could — which once put a test in front of another test's service.
    public func listeningPort(timeout: Duration = .seconds(30)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let stdout = output().stdout
            for line in stdout.split(separator: "\n") where line.contains(#""listening""#) {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    object["message"] as? String == "listening",
                    let port = (object["port"] as? String).flatMap(Int.init), port > 0
                {
                    return port
                }
            }
            guard isRunning else {
                throw TestSetupError(
                    "\(process.command.executable.lastPathComponent) exited before listening: \(output().stderr.suffix(2000)) \(stdout.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSetupError("\(process.command.executable.lastPathComponent) did not report its port within \(timeout)")
    }
}
