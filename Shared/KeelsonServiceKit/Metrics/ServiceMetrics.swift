import Foundation
import Prometheus
import Synchronization

/// The Prometheus registry of one service process, with the HTTP and process metrics every service exports.
/// Services register their own metrics on `registry`; an executable also routes swift-metrics into it.
public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The requests being answered and the background services' phases, for a shutdown that has to say what it
    /// waits on.
    public let runningWork = RunningWork()
    private let service: String
    private let residentMemory: Gauge
    private let startTime: Gauge
    private let cpuSeconds: Counter
    private let memoryLimit: Gauge
    private let databaseUp: Gauge
    /// CPU seconds already added to the counter (it only increments).
    private let reportedCPUSeconds = Mutex<Double>(0)

    static let requestDurationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    public init(
        service: ServiceIdentity, version: String = KeelsonVersion.current, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
    ) {
        self.registry = registry
        self.service = service.rawValue
        self.residentMemory = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "process", metricName: "resident_memory", unitName: "bytes", helpText: "Resident set size of the process."
            ))
        self.startTime = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "process", metricName: "start_time", unitName: "seconds", helpText: "Start time of the process since the Unix epoch."
            ))
        startTime.set(Date.now.timeIntervalSince1970)
        self.cpuSeconds = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "process", metricName: "cpu_seconds", unitName: "total", helpText: "User and system CPU time spent, in seconds."
            ))
        self.memoryLimit = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "memory_limit", unitName: "bytes",
                helpText: "The container's memory limit (cgroup); 0 when unlimited."
            ))
        self.databaseUp = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "database_up", helpText: "1 when this service reached PostgreSQL at the last scrape, else 0."
            ))
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "keelson", metricName: "build", unitName: "info", helpText: "Always 1; labels say which service and version run."),
            labels: [("service", service.rawValue), ("version", version)]
        ).set(Double(1))
    }

    public func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("service", service), ("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "http", metricName: "requests", unitName: "total", helpText: "HTTP requests served, by route, method and status."),
            labels: labels
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "http", metricName: "request_duration", unitName: "seconds",
                helpText: "Time to produce an HTTP response, by route, method and status."),
            labels: labels,
            buckets: Self.requestDurationBuckets
        ).record(duration)
    }

    /// The Prometheus text exposition, with process gauges refreshed first.
    public func exposition() -> [UInt8] {
        if let bytes = Self.residentMemoryBytes() { residentMemory.set(Double(bytes)) }
        memoryLimit.set(Double(Self.memoryLimitBytes() ?? 0))
        if let total = Self.cpuSecondsUsed() {
            let delta = reportedCPUSeconds.withLock { reported -> Double in
                let delta = max(0, total - reported)
                reported = max(reported, total)
                return delta
            }
            if delta > 0 { cpuSeconds.increment(by: delta) }
        }
        return registry.emitToBuffer()
    }

    public func database(up: Bool) {
        databaseUp.set(up ? 1.0 : 0.0)
    }

    /// utime + stime from /proc/self/stat, in clock ticks.
    private static func cpuSecondsUsed() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// cgroup v2 `memory.max`, else v1 `memory.limit_in_bytes`; nil when unlimited or unknown.
    private static func memoryLimitBytes() -> Int? {
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            // v1 reports "unlimited" as a huge number near Int64.max.
            if let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), value < 1 << 60 { return value }
            return nil
        }
        return nil
    }

    private static func residentMemoryBytes() -> Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
