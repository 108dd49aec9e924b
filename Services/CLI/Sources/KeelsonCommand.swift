import ArgumentParser

/// `keelson`: the operator CLI.
public struct KeelsonCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "keelson",
        abstract:
            "Operate Keelson: status and health, trading controls and reads, API keys, the database and backups, secrets, market data, backtests, development tools.",
        subcommands: [
            StatusCommand.self, HealthCommand.self, URLsCommand.self, LogsCommand.self, PositionsCommand.self, OrdersCommand.self, TradesCommand.self,
            PerformanceCommand.self, StrategiesCommand.self, ExecutionCommand.self, CapitalCommand.self, RiskCommand.self, TradingCommand.self,
            LiveCommand.self,
            APIKeyCommand.self, BacktestCommand.self, OptimizeCommand.self,
            SignalsCommand.self, MarketCommand.self, AuditCommand.self, BreakersCommand.self, WatchdogCommand.self, DatabaseCommand.self, BackupCommand.self,
            NotifyCommand.self, SecretsCommand.self, ModelCommand.self,
            IndicatorsCommand.self, DataCommand.self,
            DevCommand.self,
        ]
    )

    public init() {}
}
