import ArgumentParser
import KeelsonPersistence

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the database: reachable, schema version, checksums, every table present. Exits 1 on any ✘."
    )
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        var failed = false
        try await reportingErrors {
            let url = try database.resolve()
            do {
                try await DatabaseProbe.check(url)
                print("✔ connect: \(url)")
            } catch let error as DatabaseProbe.Unreachable {
                print("✘ connect: \(error.reason)")
                throw CLIError("the database is unreachable; is it running? (`make run` starts a local one)")
            }
            let checks = try await database.withClient { client, _ in
                try await SchemaVerifier(client: client, logger: CLILogger.quiet).run()
            }
            for check in checks {
                print("\(check.passed ? "✔" : "✘") \(check.summary)")
            }
            failed = checks.contains { !$0.passed }
        }
        if failed { throw ExitCode(1) }
    }
}
