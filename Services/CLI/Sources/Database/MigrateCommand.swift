import ArgumentParser
import KeelsonPersistence

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply or revert schema migrations.",
        subcommands: [Up.self, Down.self]
    )

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations (all, or up to --to).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Stop at this version.") var to: Int?
        @Flag(help: "Print what would be applied, change nothing.") var dryRun = false

        func run() async throws {
            try await reportingErrors {
                try await database.withClient { client, url in
                    let runner = MigrationRunner(client: client, logger: CLILogger.quiet)
                    let applied = try await runner.migrateUp(to: to, dryRun: dryRun)
                    MigrateCommand.report(applied, verb: dryRun ? "would apply" : "applied", url: url)
                    print("schema version: \(try await runner.currentVersion())")
                }
            }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revert migrations down to --to (default: one step back).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Revert every migration above this version (0 reverts all).") var to: Int?
        @Flag(help: "Print what would be reverted, change nothing.") var dryRun = false

        func run() async throws {
            try await reportingErrors {
                try await database.withClient { client, url in
                    let runner = MigrationRunner(client: client, logger: CLILogger.quiet)
                    let current = try await runner.currentVersion()
                    let target = to ?? max(current - 1, 0)
                    let reverted = try await runner.migrateDown(to: target, dryRun: dryRun)
                    MigrateCommand.report(reverted, verb: dryRun ? "would revert" : "reverted", url: url)
                    print("schema version: \(try await runner.currentVersion())")
                }
            }
        }
    }

    static func report(_ migrations: [Migration], verb: String, url: DatabaseURL) {
        if migrations.isEmpty {
            print("nothing to do on \(url)")
        }
        for migration in migrations {
            print("\(verb) \(String(format: "%04d", migration.version)) \(migration.name)")
        }
    }
}
