import ArgumentParser

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Migrate, verify and query the PostgreSQL database.",
        subcommands: [MigrateCommand.self, VerifyCommand.self, QueryCommand.self]
    )
}
