import ArgumentParser
import Foundation
import Logging

/// `keelson logs`: the services' logs of a `make run` deployment (`logs/<service>.log`, JSON lines), merged in
/// time order, filtered by service and level, readable; `--follow` keeps printing new lines. (On Kubernetes:
/// `kubectl logs`; with compose: `docker compose logs`.)
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Show the services' logs of a `make run` deployment, filtered by service and level.")

    enum ServiceName: String, ExpressibleByArgument, CaseIterable { case gateway, engine, marketdata, signals }

    @Option(help: "Only this service: gateway, engine, marketdata or signals.") var service: ServiceName?
    @Option(help: "Only this level and worse: trace, debug, info, notice, warning, error, critical.") var level: String = "info"
    @Option(help: "How many of the latest lines to show first.") var lines = 50
    @Flag(help: "Keep printing new lines until Ctrl-C.") var follow = false
    @Option(help: "The logs directory (default: logs/ of the checkout).") var dir: String?

    struct Line {
        var time: String
        var service: String
        var level: Logger.Level
        var text: String
    }

    func validate() throws {
        guard Logger.Level(rawValue: level.lowercased()) != nil else {
            throw ValidationError("--level \(level) is not a level; expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard lines >= 0 else { throw ValidationError("--lines must be 0 or more") }
    }

    func run() async throws {
        try await reportingErrors {
            let minimum = Logger.Level(rawValue: level.lowercased()) ?? .info
            let directory = try Self.logsDirectory(dir)
            let services = service.map { [$0] } ?? ServiceName.allCases
            var offsets: [ServiceName: UInt64] = [:]
            var first: [Line] = []
            for name in services {
                let path = directory.appendingPathComponent("\(name.rawValue).log").path
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                offsets[name] = UInt64(data.count)
                first += Self.parse(data, service: name.rawValue).filter { $0.level >= minimum }
            }
            if offsets.isEmpty {
                throw CLIError(
                    "no logs in \(directory.path) (expected <service>.log from `make run`); on Kubernetes use `kubectl logs`, with compose `docker compose logs`"
                )
            }
            for line in first.sorted(by: { $0.time < $1.time }).suffix(lines) { Self.show(line) }
            while follow {
                try? await Task.sleep(for: .milliseconds(500))
                for name in services {
                    let path = directory.appendingPathComponent("\(name.rawValue).log").path
                    guard let handle = FileHandle(forReadingAtPath: path) else { continue }
                    defer { try? handle.close() }
                    let size = (try? handle.seekToEnd()) ?? 0
                    var start = offsets[name] ?? 0
                    if size < start { start = 0 }  // the file was truncated by a restart
                    guard size > start else { continue }
                    try? handle.seek(toOffset: start)
                    let data = handle.readData(ofLength: Int(size - start))
                    // Only whole lines; a half-written one waits for the next round.
                    guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { continue }
                    let complete = data[data.startIndex...lastNewline]
                    offsets[name] = start + UInt64(complete.count)
                    for line in Self.parse(Data(complete), service: name.rawValue) where line.level >= minimum { Self.show(line) }
                }
            }
        }
    }

    static func logsDirectory(_ given: String?) throws(CLIError) -> URL {
        if let given {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: given, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CLIError("--dir \(given) is not a directory")
            }
            return URL(fileURLWithPath: given)
        }
        var current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL
        while true {
            let candidate = current.appendingPathComponent("logs")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue { return candidate }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path {
                throw CLIError("no logs/ directory here or above; run from the checkout where `make run` runs, or pass --dir")
            }
            current = parent
        }
    }

    /// JSON lines as the services write them; a line that is not JSON (a crash message) is kept as an error.
    static func parse(_ data: Data, service: String) -> [Line] {
        String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { raw in
            guard let object = try? JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any] else {
                return raw.trimmingCharacters(in: .whitespaces).isEmpty ? nil : Line(time: "", service: service, level: .error, text: String(raw))
            }
            let level = (object["level"] as? String).flatMap(Logger.Level.init(rawValue:)) ?? .info
            let metadata = object.keys.filter { !["time", "level", "service", "message"].contains($0) }.sorted()
                .map { "\($0)=\(object[$0].map { "\($0)" } ?? "")" }.joined(separator: " ")
            let message = object["message"] as? String ?? ""
            return Line(
                time: object["time"] as? String ?? "", service: service, level: level, text: metadata.isEmpty ? message : "\(message)  \(metadata)")
        }
    }

    static func show(_ line: Line) {
        print(
            "\(line.time) \(line.service.padding(toLength: 10, withPad: " ", startingAt: 0)) \(line.level.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)) \(line.text)"
        )
    }
}
