import Hummingbird
import KeelsonServiceKit
import Logging

/// Builds `keelson-signals`: the analysis and signal service: indicators and strategies.
public func buildSignalsApplication(
    configuration: ServiceConfiguration,
    metrics: ServiceMetrics? = nil,
    logger: Logger? = nil
) -> some ApplicationProtocol {
    let runtime = ServiceRuntime(configuration: configuration, logger: logger, metrics: metrics)
    let router = runtime.makeRouter()
    return runtime.makeApplication(router: router)
}
