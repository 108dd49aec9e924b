import ArgumentParser

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Migrate, verify and query the PostgreSQL database; record positions closed outside the engine.",
        subcommands: [
            MigrateCommand.self, VerifyCommand.self, QueryCommand.self, MaintenanceCommand.self, ClosePositionCommand.self,
            EmergencyCloseAllCommand.self,
        ]
    )
}
