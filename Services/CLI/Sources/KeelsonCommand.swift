import ArgumentParser

/// `keelson`: the operator CLI.
public struct KeelsonCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "keelson",
        abstract: "Operate Keelson: service status, the database, secrets, indicators.",
        subcommands: [StatusCommand.self, TradingCommand.self, APIKeyCommand.self, BacktestCommand.self, DatabaseCommand.self, BackupCommand.self, SecretsCommand.self, IndicatorsCommand.self, DataCommand.self]
    )

    public init() {}
}
