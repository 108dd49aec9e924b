import Hummingbird
import KeelsonServiceKit
import Logging

/// Builds `keelson-gateway`: the public REST API for dashboards and operators.
public func buildGatewayApplication(
    configuration: ServiceConfiguration,
    metrics: ServiceMetrics? = nil,
    logger: Logger? = nil
) -> some ApplicationProtocol {
    let runtime = ServiceRuntime(configuration: configuration, logger: logger, metrics: metrics)
    let router = runtime.makeRouter()
    return runtime.makeApplication(router: router)
}
