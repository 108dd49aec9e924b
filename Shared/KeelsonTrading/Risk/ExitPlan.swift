import Foundation

/// The exits an entry was planned with, as distances from the price it fills at: decided with the entry, turned
/// into `ProtectiveStops` at the fill, so a fill away from the decision price keeps the planned risk.
public struct ExitPlan: Sendable, Equatable {
    public var stopDistance: Decimal
    public var takeProfitDistance: Decimal?
    public var trailingDistance: Decimal?

    public init(stopDistance: Decimal, takeProfitDistance: Decimal?, trailingDistance: Decimal?) {
        self.stopDistance = stopDistance
        self.takeProfitDistance = takeProfitDistance
        self.trailingDistance = trailingDistance
    }

    /// The stops around an entry filled at `price`.
    public func stops(entryPrice price: Decimal, rules: SymbolRules) -> ProtectiveStops {
        ProtectiveStops(
            stopPrice: rules.roundedPrice(price - stopDistance, .down),
            takeProfitPrice: takeProfitDistance.map { rules.roundedPrice(price + $0, .up) },
            trailingDistance: trailingDistance,
            highestPrice: price
        )
    }
}

extension RiskManager.EntryPlan {
    /// The plan's exits relative to `decisionPrice`, the price it was sized at.
    public func exitPlan(decisionPrice: Decimal) -> ExitPlan {
        ExitPlan(
            stopDistance: stopDistance, takeProfitDistance: stops.takeProfitPrice.map { $0 - decisionPrice }, trailingDistance: stops.trailingDistance
        )
    }
}
