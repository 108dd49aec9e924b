/// Every migration Keelson knows, in version order. Append new ones; never edit an applied one.
public enum MigrationCatalog {
    public static let all: [Migration] = [
        Migration0001MarketData.migration,
        Migration0002Trading.migration,
        Migration0003Operations.migration,
        Migration0004Engine.migration,
        Migration0005Archive.migration,
        Migration0006Backups.migration,
        Migration0007RestartSafety.migration,
        Migration0008Notifications.migration,
        Migration0009NotificationIndex.migration,
        Migration0010StrategyPortfolio.migration,
        Migration0011LifecycleRecommendation.migration,
        Migration0012CapitalAllocations.migration,
        Migration0013OptimizationRecords.migration,
        Migration0014AppliedParameters.migration,
        Migration0015ModelRegistry.migration,
        Migration0016RestingStops.migration,
        Migration0017WatchdogEvents.migration,
        Migration0018BackupFigures.migration,
        Migration0019ReoptimizationTarget.migration,
        Migration0020AddedInstances.migration,
        Migration0021ShadowBooks.migration,
    ]

    public static var latestVersion: Int { all.last?.version ?? 0 }

    /// Tables the current schema must have; `keelson db verify` checks each.
    public static let expectedTables: [String] = [
        "schema_migrations",
        "candles", "signals",
        "trading_sessions", "orders", "order_events", "fills", "positions", "trades", "account_balances", "risk_events", "engine_signal_log",
        "strategy_states", "strategy_lifecycle_events", "parameter_history", "optimization_runs", "audit_log", "api_keys",
        "candles_archive", "trades_archive", "backup_runs", "engine_bar_cursors", "notification_outbox", "notification_deliveries",
        "capital_allocations", "optimization_trials", "model_versions", "model_events", "watchdog_events",
    ]
}
