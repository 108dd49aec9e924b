import Foundation
import KeelsonServiceKit
import Prometheus

/// The collector's own metrics.
struct MarketDataMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    init(_ metrics: ServiceMetrics) {
        registry = metrics.registry
    }

    func ingested(symbol: String, count: Int) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "candles_ingested", unitName: "total", helpText: "Closed candles written to the store, per symbol."),
            labels: [("symbol", symbol)]
        ).increment(by: Int64(count))
    }

    /// Seconds between now and the close of the newest stored candle; alerts fire when it passes 5 minutes.
    func dataAge(symbol: String, seconds: Double) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "market_data_age", unitName: "seconds",
                helpText: "Age of the newest stored candle's close, per symbol."),
            labels: [("symbol", symbol)]
        ).set(seconds)
    }

    /// Unix time of the last write per symbol: `time() - this` grows while nothing arrives, which a gauge set
    /// only on arrival (like the age above) cannot show — the stale-data alert uses this one.
    func stored(symbol: String, at time: Date) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "market_data_last_stored", unitName: "timestamp_seconds",
                helpText: "Unix time of the last candle written to the store, per symbol."),
            labels: [("symbol", symbol)]
        ).set(time.timeIntervalSince1970)
    }

    func pushed(subscriber: String, duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "candle_push", unitName: "seconds",
                helpText: "Time to deliver one batch of candles to a subscriber."),
            labels: [("subscriber", subscriber)],
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2), .seconds(10)]
        ).record(duration)
    }

    func pushFailed(subscriber: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "candle_push_failures", unitName: "total",
                helpText: "Failed deliveries of candle batches, per subscriber (retried with backoff)."),
            labels: [("subscriber", subscriber)]
        ).increment()
    }

    func dropped(subscriber: String, count: Int) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "candle_push_dropped", unitName: "total",
                helpText: "Candles dropped from a full subscriber queue; the subscriber catches up from the store."),
            labels: [("subscriber", subscriber)]
        ).increment(by: Int64(count))
    }

    /// 1 while the breaker stops calls to a failing dependency; alerts fire when it stays open 10 minutes.
    func circuitBreaker(_ name: String, open: Bool) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "circuit_breaker_open",
                helpText: "1 while the circuit breaker is open (calls to the dependency suspended)."),
            labels: [("breaker", name)]
        ).set(open ? 1.0 : 0.0)
    }

    /// 1 while the symbol is collected from the backup provider because the primary's breaker is open.
    func failover(symbol: String, active: Bool) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "market_data_failover",
                helpText: "1 while the symbol is collected from the backup provider (the primary's circuit breaker is open)."),
            labels: [("symbol", symbol)]
        ).set(active ? 1.0 : 0.0)
    }

    func providerError(provider: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "provider_errors", unitName: "total", helpText: "Errors from market-data providers."),
            labels: [("provider", provider)]
        ).increment()
    }

    func cache(hits: Int, misses: Int) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "candle_cache_hits", unitName: "count",
                helpText: "Candle reads served from the in-memory cache since start.")
        )
        .set(Double(hits))
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "candle_cache_misses", unitName: "count",
                helpText: "Candle reads that went to PostgreSQL since start.")
        )
        .set(Double(misses))
    }
}
