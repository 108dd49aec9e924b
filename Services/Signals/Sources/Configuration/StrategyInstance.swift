import KeelsonDomain
import KeelsonStrategies

/// One configured strategy: which built-in strategy, with which parameters, on which symbols and interval.
/// `id` names its signals in the database, so two instances of one strategy with different parameters stay apart.
public struct StrategyInstance: Sendable, Equatable {
    public var id: String
    public var strategy: String
    public var symbols: [Symbol]
    public var interval: CandleInterval
    public var parameters: StrategyParameters
    public var enabled: Bool

    public func makeStrategy() throws(StrategyError) -> any Strategy {
        try StrategyCatalog.make(strategy, parameters: parameters.values)
    }

    public func applies(to symbol: Symbol, interval: CandleInterval) -> Bool {
        enabled && self.interval == interval && symbols.contains(symbol)
    }
}
