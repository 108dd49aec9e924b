import Foundation
import Prometheus

/// The Prometheus registry of one service process, with the HTTP and process metrics every service exports.
/// Services register their own metrics on `registry`; an executable also routes swift-metrics into it.
public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let service: String
    private let residentMemory: Gauge
    private let startTime: Gauge

    static let requestDurationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    public init(service: ServiceIdentity, version: String = KeelsonVersion.current, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.service = service.rawValue
        self.residentMemory = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "process", metricName: "resident_memory", unitName: "bytes", helpText: "Resident set size of the process."
        ))
        self.startTime = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "process", metricName: "start_time", unitName: "seconds", helpText: "Start time of the process since the Unix epoch."
        ))
        startTime.set(Date.now.timeIntervalSince1970)
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "keelson", metricName: "build", unitName: "info", helpText: "Always 1; labels say which service and version run."),
            labels: [("service", service.rawValue), ("version", version)]
        ).set(Double(1))
    }

    public func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("service", service), ("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "http", metricName: "requests", unitName: "total", helpText: "HTTP requests served, by route, method and status."),
            labels: labels
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "http", metricName: "request_duration", unitName: "seconds", helpText: "Time to produce an HTTP response, by route, method and status."),
            labels: labels,
            buckets: Self.requestDurationBuckets
        ).record(duration)
    }

    /// The Prometheus text exposition, with process gauges refreshed first.
    public func exposition() -> [UInt8] {
        if let bytes = Self.residentMemoryBytes() { residentMemory.set(Double(bytes)) }
        return registry.emitToBuffer()
    }

    private static func residentMemoryBytes() -> Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
