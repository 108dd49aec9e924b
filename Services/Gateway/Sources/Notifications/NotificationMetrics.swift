import KeelsonNotifications
import KeelsonPersistence
import KeelsonServiceKit
import Prometheus

/// `keelson_notifications_total{channel, result}`: deliveries by outcome (delivered, failed and to be retried,
/// dead). `KeelsonNotificationDeadLetter` fires on any dead one.
struct NotificationMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    init(_ metrics: ServiceMetrics) {
        registry = metrics.registry
    }

    @Sendable func record(channel: String, counts: DeliveryCounts) {
        for (result, count) in [("delivered", counts.delivered), ("failed", counts.failed), ("dead", counts.dead)] {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "keelson", subsystem: "notifications", metricName: "deliveries", unitName: "total",
                    helpText: "Notification deliveries by channel and outcome: delivered, failed (retried later) or dead (given up)."),
                labels: [("channel", channel), ("result", result)]
            ).increment(by: Int64(count))
        }
    }
}
