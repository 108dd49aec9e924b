import Foundation
import KeelsonDomain
import KeelsonPersistence
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
    /// The lifecycle state it starts in when first configured; afterwards its state is the stored one.
    public var initialStatus: StrategyStatus = .active

    public func makeStrategy() throws(StrategyError) -> any Strategy {
        try StrategyCatalog.make(strategy, parameters: parameters.values)
    }

    public var registration: StrategyRegistration {
        let parameters = (try? JSONEncoder().encode(self.parameters.values)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return StrategyRegistration(
            instance: id, strategy: strategy, symbols: symbols.map(\.rawValue), interval: interval.rawValue, parametersJSON: parameters,
            initialStatus: initialStatus)
    }

    public func applies(to symbol: Symbol, interval: CandleInterval) -> Bool {
        enabled && self.interval == interval && symbols.contains(symbol)
    }
}
