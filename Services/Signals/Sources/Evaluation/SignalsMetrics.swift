import KeelsonDomain
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

extension SignalsMetrics {
    /// One bar through a served model: its features updated, scaled and scored.
    func predicted(model: String, duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "model_prediction", unitName: "seconds",
                helpText: "Time to compute one bar's features and probability with a served model."),
            labels: [("model", model)],
            buckets: [.microseconds(1), .microseconds(5), .microseconds(25), .microseconds(100), .milliseconds(1), .milliseconds(10)]
        ).record(duration)
    }

    func resolved(model: String, hit: Bool) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "model_predictions_resolved", unitName: "total",
                helpText: "Served \"up\" calls whose label bar has closed, by outcome (hit: the close rose as predicted)."),
            labels: [("model", model), ("outcome", hit ? "hit" : "miss")]
        ).increment()
    }

    /// The live hit rate and each feature's population stability index, once enough bars have been seen to mean something.
    func monitored(model: String, instance: String, symbol: Symbol, track: ModelMonitor.Track) {
        if let rate = track.hits.rate {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "keelson", metricName: "model_live_hit_rate",
                    helpText: "Share of the last 500 resolved \"up\" calls that came true, per served model, instance and symbol (0-1)."),
                labels: [("model", model), ("strategy", instance), ("symbol", symbol.rawValue)]
            ).set(rate)
        }
        for (feature, drift) in zip(track.features, track.drift) {
            guard let drift, drift.observed >= ModelMonitor.minimumObservations, let index = drift.index else { continue }
            registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "keelson", metricName: "model_feature_psi",
                    helpText: "Population stability index of a feature's last 500 live values against its training deciles (above 0.25: drifted)."),
                labels: [("model", model), ("strategy", instance), ("symbol", symbol.rawValue), ("feature", feature.description)]
            ).set(index)
        }
    }

    /// The id of the version served for a model name (0 when none is).
    func servedVersion(model: String, id: Int64) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "model_served_version", helpText: "Registry id of the version served per model name; 0 when none is."),
            labels: [("model", model)]
        ).set(Double(id))
    }

    func modelRefused(model: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "model_versions_refused", unitName: "total",
                helpText: "Active versions not served because their artefact failed verification, per model name."),
            labels: [("model", model)]
        ).increment()
    }
}

extension SignalsMetrics {
    /// A scheduled retraining's outcome: promoted, kept (the active version stays) or failed.
    func retrained(model: String, outcome: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "model_retrainings", unitName: "total",
                helpText: "Scheduled retrainings (KEELSON_MODEL_RETRAIN) per model name and outcome: promoted, kept or failed."),
            labels: [("model", model), ("outcome", outcome)]
        ).increment()
    }
}
