import KeelsonServiceKit
import KeelsonStrategies
import KeelsonTrading
import Prometheus

/// The signal service's own metrics.
struct SignalsMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    init(_ metrics: ServiceMetrics) {
        registry = metrics.registry
    }

    func signalEmitted(strategy: String, count: Int) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "signals_emitted", unitName: "total", helpText: "New signals stored, per strategy instance."),
            labels: [("strategy", strategy)]
        ).increment(by: Int64(count))
    }

    func evaluated(strategy: String, bars: Int, duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "strategy_evaluation", unitName: "seconds",
                helpText: "Time to feed one batch of candles through a strategy instance."),
            labels: [("strategy", strategy)],
            buckets: [.microseconds(10), .microseconds(100), .milliseconds(1), .milliseconds(10), .milliseconds(100), .seconds(1)]
        ).record(duration)
    }

    func rebuilt(strategy: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "strategy_rebuilds", unitName: "total",
                helpText: "Times a strategy's state was rebuilt from stored candles (cache miss: restart, other replica, repeated push)."),
            labels: [("strategy", strategy)]
        ).increment()
    }

    func candlesReceived(_ count: Int) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "signals_candles_received", unitName: "total", helpText: "Closed candles received for evaluation.")
        )
        .increment(by: Int64(count))
    }

    func forwardFailed() {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "signal_forward_failures", unitName: "total",
                helpText: "Signal batches the engine did not accept after retries (it catches up from the signals table).")
        )
        .increment()
    }

    /// Signals computed but not sent on because the instance's lifecycle state does not let them trade.
    func signalSuppressed(strategy: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "signals_suppressed", unitName: "total",
                helpText: "Signals not stored or sent because the instance's lifecycle state does not trade them, per instance."),
            labels: [("strategy", strategy)]
        ).increment()
    }

    /// The instance's lifecycle state as a number: 0 candidate, 1 active, 2 probation, 3 retired, 4 disabled.
    func lifecycleState(strategy: String, status: StrategyStatus) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "strategy_lifecycle_state",
                helpText: "Lifecycle state per instance: 0 candidate, 1 active, 2 probation, 3 retired, 4 disabled."),
            labels: [("strategy", strategy)]
        ).set(Double(StrategyStatus.allCases.firstIndex(of: status) ?? 0))
    }

    func lifecycleTransition(strategy: String, to status: StrategyStatus) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "strategy_lifecycle_transitions", unitName: "total",
                helpText: "Lifecycle moves made by this replica (rules and operators), per instance."),
            labels: [("strategy", strategy)]
        ).increment()
        lifecycleState(strategy: strategy, status: status)
    }

    /// An instance's results as the lifecycle rules last measured them (every round trip of the newest session's mode).
    func figures(strategy: String, _ figures: StrategyFigures) {
        let values: [(name: String, help: String, value: Double?)] = [
            (
                "strategy_realized_pnl", "Realised PnL per instance, in the quote currency, as the lifecycle rules last measured it.",
                figures.realizedPnl.doubleValue
            ),
            ("strategy_trades", "Closed round trips per instance.", Double(figures.trades)),
            ("strategy_win_rate", "Winning round trips over all round trips per instance (0-1).", figures.winRate),
            (
                "strategy_max_drawdown_percent", "Deepest fall of initial balance plus realised PnL per instance, in percent.",
                figures.maxDrawdownPercent
            ),
        ]
        for metric in values {
            guard let value = metric.value else { continue }
            registry.makeGauge(
                descriptor: MetricNameDescriptor(namespace: "keelson", metricName: metric.name, helpText: metric.help),
                labels: [("strategy", strategy)]
            ).set(value)
        }
    }
}
