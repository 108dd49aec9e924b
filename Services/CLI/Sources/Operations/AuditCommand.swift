import ArgumentParser
import Foundation

/// `keelson audit`: the gateway's audit log (admin key), newest first — who did what, why, and how it ended.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The audit log, newest first: admin actions, key changes, refused and failed attempts (admin key).")
    @OptionGroup var gateway: GatewayOptions
    @Option(help: "Only rows at or after this time (ISO-8601, e.g. 2026-12-05T00:00:00Z).") var since: String?
    @Option(help: "How many (1–1000).") var limit = 50
    @Flag(help: "Print the gateway's JSON.") var json = false

    func validate() throws {
        guard (1...1_000).contains(limit) else { throw ValidationError("--limit \(limit) is not allowed; expected 1 to 1000") }
        try TimeRangeOptions.check("--since", since)
    }

    func run() async throws {
        try await reportingErrors {
            let reply = try await gateway.connect().get("/api/v1/admin/audit" + QueryString.make(["since": since, "limit": String(limit)]))
            JSONOutput.printListing(
                reply.body, key: "entries", json: json, empty: "no audit entries",
                columns: [
                    ("ID", "id"), ("TIME", "occurred_at"), ("ACTOR", "actor_name"), ("ACTION", "action"), ("OUTCOME", "outcome"),
                    ("REASON", "reason"),
                ])
        }
    }
}
