import ArgumentParser
import Foundation
import KeelsonPersistence

/// `keelson watchdog`: what the gateway's watchdog looks after and its recent recoveries; `record` is how make run's
/// supervisor writes a restart into the same history.
struct WatchdogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watchdog",
        abstract: "The watchdog: each component's state, what it depends on, and recent recoveries (watchdog and supervisor).",
        subcommands: [WatchdogStatusCommand.self, WatchdogRecordCommand.self], defaultSubcommand: WatchdogStatusCommand.self)
}

struct WatchdogStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Components and recent recoveries.")
    @OptionGroup var gateway: GatewayOptions
    @Option(help: "How many recent recoveries (1–500).") var limit = 20
    @Flag(help: "Print the gateway's JSON.") var json = false

    func validate() throws {
        guard (1...500).contains(limit) else { throw ValidationError("--limit \(limit) is not allowed; expected 1 to 500") }
    }

    func run() async throws {
        try await reportingErrors {
            let reply = try await gateway.connect().get("/api/v1/watchdog" + QueryString.make(["limit": String(limit)]))
            if json { return print(String(buffer: reply.body)) }
            let body = JSONOutput.object(reply.body)
            let acting = body["acting"] as? Bool ?? false
            let loops = body["recovery_loops"] as? [String] ?? []
            print("watchdog: \(acting ? "acting" : "watching only (KEELSON_WATCHDOG=off)"), last check \(JSONOutput.text(body["last_check"]) ?? "not yet")")
            if !loops.isEmpty { print("recovery loop, not acting on: \(loops.joined(separator: ", ")) — see docs/RUNBOOK.md#watchdog") }
            let components = (body["components"] as? [[String: Any]] ?? []).map { component -> [String: Any] in
                var row = component
                row["depends_on"] = (component["depends_on"] as? [String] ?? []).joined(separator: ",")
                return row
            }
            print(
                JSONOutput.table(
                    components,
                    columns: [("COMPONENT", "name"), ("STATE", "state"), ("SINCE", "failing_since"), ("SYMPTOM", "symptom"), ("DEPENDS ON", "depends_on")]))
            let recent = body["recent"] as? [[String: Any]] ?? []
            print("")
            if let error = body["recent_error"] as? String { return print("recent recoveries: \(error)") }
            if recent.isEmpty { return print("no recoveries recorded") }
            print(
                JSONOutput.table(
                    recent,
                    columns: [
                        ("TIME", "occurred_at"), ("SOURCE", "source"), ("COMPONENT", "component"), ("ACTION", "action"), ("RESULT", "result"),
                        ("SYMPTOM", "symptom"),
                    ]))
        }
    }
}

/// Written by scripts/supervise.sh after it restarts a crashed service, straight to the database: the gateway may be
/// the service that crashed.
struct WatchdogRecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "Record a recovery in watchdog_events (make run's supervisor does, after each restart).")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "What recovered, e.g. engine.") var component: String
    @Option(help: "What was wrong, e.g. 'was killed by signal 9 after 12 s'.") var symptom: String
    @Option(help: "What was done, e.g. restart.") var action: String
    @Option(help: "How it ended.") var result: String
    @Option(help: "Who acted: supervisor or watchdog.") var source = "supervisor"
    @Option(help: "How long the recovery took, in milliseconds.") var durationMs: Double = 0

    func validate() throws {
        guard WatchdogEvent.Source(rawValue: source) != nil else {
            throw ValidationError("--source '\(source)' is not allowed; expected supervisor or watchdog")
        }
        for (name, value) in [("--component", component), ("--action", action)] where value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("\(name) must not be empty")
        }
        guard durationMs.isFinite, durationMs >= 0 else { throw ValidationError("--duration-ms must be a number of at least 0") }
    }

    func run() async throws {
        try await reportingErrors {
            let event = WatchdogEvent(
                source: WatchdogEvent.Source(rawValue: source) ?? .supervisor, component: component, symptom: symptom, action: action,
                result: result, durationMs: durationMs)
            try await database.withClient { client, _ in
                try await PostgresWatchdogEventLog(client: client, logger: CLILogger.quiet).record(event)
            }
            print("recorded: \(component) \(action) — \(result)")
        }
    }
}
