import Hummingbird
import KeelsonServiceKit
import Logging

/// Builds `keelson-marketdata`: the market-data collector: providers, candle store, push of closed candles.
public func buildMarketDataApplication(
    configuration: ServiceConfiguration,
    metrics: ServiceMetrics? = nil,
    logger: Logger? = nil
) -> some ApplicationProtocol {
    let runtime = ServiceRuntime(configuration: configuration, logger: logger, metrics: metrics)
    let router = runtime.makeRouter()
    return runtime.makeApplication(router: router)
}
