import Foundation
import KeelsonServiceKit
import Prometheus

/// The watchdog's figures: `keelson_watchdog_actions_total{action, result}`, `keelson_watchdog_recovery_loop{component}`
/// (1 while it has stopped acting on a component: `KeelsonWatchdogRecoveryLoop`) and
/// `keelson_watchdog_last_check_timestamp_seconds` (`KeelsonWatchdogStopped` when it stops moving).
struct WatchdogMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let lastCheck: Gauge

    init(_ metrics: ServiceMetrics) {
        registry = metrics.registry
        lastCheck = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", subsystem: "watchdog", metricName: "last_check", unitName: "timestamp_seconds",
                helpText: "Unix time of the watchdog's last look at the system (0 before the first)."))
        lastCheck.set(0.0)
    }

    func checked(at time: Date) { lastCheck.set(time.timeIntervalSince1970) }

    /// `result`: `ok`, `failed`, or `loop` (not taken: a recovery loop).
    func action(_ action: String, result: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", subsystem: "watchdog", metricName: "actions", unitName: "total",
                helpText: "Recoveries the watchdog attempted, by action and result (ok, failed, or loop: held back by the recovery-loop guard)."),
            labels: [("action", action), ("result", result)]
        ).increment()
    }

    func recoveryLoop(_ component: String, _ looping: Bool) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", subsystem: "watchdog", metricName: "recovery_loop",
                helpText: "1 while the watchdog has stopped acting on a component after too many recoveries in its window."),
            labels: [("component", component)]
        ).set(looping ? 1.0 : 0.0)
    }
}
