import Hummingbird
import KeelsonServiceKit
import Logging

/// Builds `keelson-engine`: the core trading engine: sessions, risk, orders, positions.
public func buildEngineApplication(
    configuration: ServiceConfiguration,
    metrics: ServiceMetrics? = nil,
    logger: Logger? = nil
) -> some ApplicationProtocol {
    let runtime = ServiceRuntime(configuration: configuration, logger: logger, metrics: metrics)
    let router = runtime.makeRouter()
    return runtime.makeApplication(router: router)
}
