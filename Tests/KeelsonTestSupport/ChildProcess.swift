import Foundation

/// Runs the package's own executables as separate processes, the way an operator or Kubernetes does.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched through Foundation's thread-safe Process API, and the output
    // files are written by the child and read only after it has exited.
    public let process = Process()
    private let stdoutURL: URL
    private let stderrURL: URL

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
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        stdoutURL = directory.appendingPathComponent("stdout")
        stderrURL = directory.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = try Self.binDirectory().appendingPathComponent(executable)
        process.arguments = arguments
        // A clean environment: only what the test passes, plus PATH, so the developer's own settings cannot leak in.
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"].merging(environment) { _, new in new }
        process.currentDirectoryURL = workingDirectory ?? directory
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    public var isRunning: Bool { process.isRunning }

    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit; kills it and throws if it takes longer than `timeout`.
    @discardableResult
    public func wait(timeout: Duration = .seconds(30)) async throws -> Result {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                signal(SIGKILL)
                throw TestSetupError("\(process.executableURL?.lastPathComponent ?? "process") did not exit within \(timeout); output: \(output().stderr)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        var result = output()
        result.exitCode = process.terminationStatus
        return result
    }

    public func output() -> Result {
        Result(
            exitCode: -1,
            stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        )
    }

    /// Runs an executable to completion.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)) async throws -> Result {
        try await ChildProcess(executable, arguments: arguments, environment: environment).wait(timeout: timeout)
    }

    deinit {
        if process.isRunning { signal(SIGKILL) }
    }
}
