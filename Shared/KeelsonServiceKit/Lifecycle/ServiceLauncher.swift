import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

/// The whole of a service executable's `main`: read and validate configuration (one line and exit 2 on a
/// bad value), install logging and metrics once for the process, build the application and run it until
/// SIGTERM/SIGINT, with the shutdown bounded by `shutdownGrace`.
public enum ServiceLauncher {
    public static func run<App: ApplicationProtocol>(
        _ service: ServiceIdentity,
        flags: ServiceFlags,
        build: (ServiceConfiguration, ServiceMetrics) async throws -> App
    ) async -> Int32 {
        let configuration: ServiceConfiguration
        do {
            configuration = try ServiceConfiguration.load(service: service, flags: flags)
        } catch {
            FileHandle.standardError.write(Data("\(service.executableName): configuration error: \(error.description)\n".utf8))
            return 2
        }
        LoggingSetup.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
        let metrics = ServiceMetrics(service: service, version: configuration.version)
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
        let logger = Logger(label: service.executableName)
        let app: App
        do {
            app = try await build(configuration, metrics)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("\(service.executableName): configuration error: \(error.description)\n".utf8))
            return 2
        } catch {
            FileHandle.standardError.write(Data("\(service.executableName): \(error)\n".utf8))
            return 1
        }
        do {
            logger.info(
                "starting",
                metadata: [
                    "address": "\(configuration.host):\(configuration.port)", "mode": "\(configuration.mode.rawValue)",
                    "database": "\(configuration.database)", "version": "\(configuration.version)",
                ])
            try await runUntilStopped(app, grace: configuration.shutdownGrace, work: metrics.runningWork, logger: logger)
            logger.info("stopped")
            return 0
        } catch {
            logger.critical("stopped on an error", metadata: ["error": "\(error)"])
            FileHandle.standardError.write(Data("\(service.executableName): \(error)\n".utf8))
            return 1
        }
    }

    /// Runs `app` until SIGTERM/SIGINT. A graceful shutdown that takes longer than `grace` is escalated to
    /// cancellation; if even that has not ended it after another `grace`, the process exits with status 1. Every
    /// write is transactional and every receiver deduplicates, so exiting then is as safe as a SIGKILL — which the
    /// orchestrator would send anyway. A shutdown still going at half its grace, at its grace and at the end logs what
    /// it waits on (`work`): the requests being answered, the background services not yet stopped.
    static func runUntilStopped(_ app: some Service, grace: Duration, work: RunningWork, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = grace
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [configuration] in try await ServiceGroup(configuration: configuration).run() }
            group.addTask {
                for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                    let waitingOn: @Sendable () -> Logger.MetadataValue = { "\(work.unfinished.joined(separator: "; "))" }
                    try await Task.sleep(for: grace / 2)
                    logger.warning("shutdown is still waiting", metadata: ["signal": "\(signal)", "waiting_on": waitingOn()])
                    try await Task.sleep(for: grace / 2)
                    logger.warning("shutdown past its grace; cancelling what still runs", metadata: ["waiting_on": waitingOn()])
                    try await Task.sleep(for: grace)
                    logger.critical(
                        "shutdown did not finish; exiting",
                        metadata: [
                            "signal": "\(signal)", "waited": "\(grace * 2)", "waiting_on": waitingOn(),
                            "hint": "KEELSON_SHUTDOWN_GRACE_MS sets the grace",
                        ])
                    exit(1)
                }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }
}
