import Foundation
import KeelsonFoundation
import KeelsonServiceKit
import KeelsonTestSupport
import Testing

/// What an on-call engineer types from docs/RUNBOOK.md works against a running system: every `keelson …` line is run,
/// in the runbook's order, against the three services and the gateway on a fresh database — except the few that
/// cannot run here, each with its reason (those still parse: DocumentedCommandsTests). A command either succeeds or
/// refuses in one `keelson: …` line (status and health: their documented exit codes), never a crash, a hang, or a
/// page of usage.
@Suite("Every keelson command in the runbook, run against a running system")
struct RunbookCommandsTests {
    /// Lines that are not run here, and why.
    static func notRun(_ line: String) -> String? {
        if ["…", "<", "...", " ID", "ID "].contains(where: line.contains) { return "a placeholder the engineer fills in" }
        if line == "keelson backup schedule" { return "runs until it is stopped (BackupScheduleTests runs it)" }
        if line.hasPrefix("keelson secrets") { return "prints new secrets" }
        if line.hasPrefix("keelson data backfill --provider binance") { return "needs Binance (ExchangeProviderCommandTests uses the fake)" }
        if line.hasPrefix("keelson model retrain") || line == "keelson backtest" { return "a long computation (ModelsTests, BacktestTests)" }
        if line.hasPrefix("keelson backup restore --latest --from s3") { return "needs a bucket (OffSiteBackupDrillTests uses moto)" }
        return nil
    }

    /// Lines the runbook names as a command to look up rather than to type as they are (they need arguments the prose gives).
    static let references: Set<String> = ["keelson db close-position", "keelson backup verify", "keelson data archive", "keelson model show"]

    @Test("each runbook command runs: it succeeds or refuses in one line")
    func runbookCommandsRun() async throws {
        try await GatewayHarness.run { gateway in
            let port = try #require(gateway.client.port)
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-runbook-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let bin = try ChildProcess.binDirectory()
            var environment = [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "KEELSON_URL": "http://127.0.0.1:\(port)",
                "KEELSON_API_KEY": try #require(gateway.keys[.admin]).secret, "DATABASE_URL": gateway.database.connectionString,
                "KEELSON_BACKUP_DIR": scratch.appendingPathComponent("backups").path,
                "KEELSON_INTERNAL_TOKENS": TestConfiguration.tokens.joined(separator: ","),
            ]
            for (service, process) in gateway.services { environment["KEELSON_\(service.rawValue.uppercased())_URL"] = process.url }
            let lines = try DocumentedCommands.lines(in: ["docs/RUNBOOK.md"]).map { ($0.line.components(separatedBy: " #").first ?? $0.line).trimmingCharacters(in: .whitespaces) }
            var seen: Set<String> = []
            var ran = 0
            for line in lines where seen.insert(line).inserted {
                if Self.notRun(line) != nil { continue }
                let script = "exec \(bin.path)/" + line
                let process = try RunningProcess(
                    starting: ProcessCommand(
                        URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", script], environment: environment, workingDirectory: scratch))
                guard let termination = await process.wait(timeout: .seconds(120)) else {
                    process.signal(SIGKILL)
                    Issue.record("`\(line)` did not finish within 120 s")
                    continue
                }
                ran += 1
                let (stdout, stderr) = process.capturedOutput()
                let errorLines = stderr.split(separator: "\n")
                let context = Comment(rawValue: "`\(line)` exited \(termination.status): \(stderr.prefix(600)) \(stdout.prefix(300))")
                if Self.references.contains(line) {
                    #expect(termination.status == 64, "a reference without its arguments is a usage error: \(context)")
                    continue
                }
                if ["keelson status", "keelson health"].contains(where: { line.hasPrefix($0) }) {
                    #expect((0...2).contains(termination.status) && stderr.isEmpty, context)
                    continue
                }
                #expect(
                    termination.status == 0 || (errorLines.count == 1 && errorLines[0].hasPrefix("keelson: ") && termination.status != 64),
                    context)
            }
            #expect(ran >= 50, "\(ran) commands run")
        }
    }
}
