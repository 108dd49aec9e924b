import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus

/// The whole of a service executable's `main`: read and validate configuration (one line and exit 2 on a
/// bad value), install logging and metrics once for the process, build the application and run it until
/// SIGTERM/SIGINT.
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
            try await app.runService()
            logger.info("stopped")
            return 0
        } catch {
            logger.critical("stopped on an error", metadata: ["error": "\(error)"])
            FileHandle.standardError.write(Data("\(service.executableName): \(error)\n".utf8))
            return 1
        }
    }
}
