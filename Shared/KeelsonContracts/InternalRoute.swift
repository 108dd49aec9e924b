/// The service-to-service endpoints, named once for the sender and the receiver (`/internal/...`, guarded by the
/// inter-service token).
public struct InternalRoute: Sendable, Equatable, CustomStringConvertible {
    /// Below `/internal/`, as a router's internal group registers it.
    public let relativePath: String

    init(_ relativePath: String) { self.relativePath = relativePath }

    /// The full path a client requests.
    public var path: String { "/internal/" + relativePath }
    public var description: String { path }

    /// `POST` a `CandleBatch` of closed candles: market data → signals and engine.
    public static let candles = InternalRoute("v1/candles")
    /// `GET ?exchange=&symbol=&interval=&after=&limit=`, answering a `CandleBatch`: what follows the last candle a
    /// receiver saw (market data).
    public static let candlesSince = InternalRoute("v1/candles/since")
    /// `POST` a `SignalBatch`: signals → engine.
    public static let signals = InternalRoute("v1/signals")
    /// `POST` a `ControlRequest`: gateway and CLI → engine (`halt`, `resume`, `stop-entries`, `close-all`).
    public static func tradingControl(_ name: String) -> InternalRoute { InternalRoute("v1/trading/\(name)") }
    /// `GET` the circuit breakers a service obeys (`{"circuit_breakers": [...]}`): gateway → engine and market data.
    public static let circuitBreakers = InternalRoute("v1/circuit-breakers")
    /// `POST` a `BreakerResetRequest`, answering a `BreakerResetList`: gateway → engine and market data, closing their
    /// breakers (an operator's reset) or probing the dependency behind each (the watchdog's).
    public static let circuitBreakersReset = InternalRoute("v1/circuit-breakers/reset")
    /// `POST` (no body): gateway's watchdog → market data, fetching what follows each symbol's newest candle and filling
    /// the recent holes from the primary provider.
    public static let marketDataCatchUp = InternalRoute("v1/market-data/catch-up")
    /// `POST` a `MaintenanceRequest`: gateway → engine.
    public static let maintenance = InternalRoute("v1/trading/maintenance")
    /// `POST` a `StrategyLifecycleRequest`: gateway → signals, moving one strategy instance in its lifecycle.
    public static func strategyLifecycle(_ instance: String) -> InternalRoute { InternalRoute("v1/strategies/\(instance)/lifecycle") }
}
