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
    /// For ml_classifier: the registry's model name, whose active version it trades on (and follows when another is promoted).
    public var model: String?

    /// Builds the strategy; an ml_classifier instance on `served`, the active version of its model.
    public func makeStrategy(served: ServedModel? = nil) throws(StrategyError) -> any Strategy {
        guard let served else { return try StrategyCatalog.make(strategy, parameters: parameters.values) }
        var values = parameters.values
        values["model"] = Double(served.record.id)
        return try StrategyCatalog.make(strategy, parameters: values, model: served.model)
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

extension StrategyInstance {
    /// An instance applied from an optimisation run, from its stored definition; nil when that no longer reads as
    /// one (a strategy or parameter this version does not have).
    public init?(applied registration: StrategyRegistration) {
        guard let type = try? StrategyCatalog.type(named: registration.strategy),
            let interval = CandleInterval(rawValue: registration.interval),
            let given = try? JSONDecoder().decode([String: Double].self, from: Data(registration.parametersJSON.utf8)),
            let parameters = try? StrategyParameters(strategy: registration.strategy, specs: type.parameterSpecs, given: given)
        else { return nil }
        let symbols = registration.symbols.compactMap(Symbol.init(rawValue:))
        guard symbols.count == registration.symbols.count else { return nil }
        self.init(
            id: registration.instance, strategy: registration.strategy, symbols: symbols, interval: interval, parameters: parameters, enabled: true,
            initialStatus: .candidate)
    }
}
