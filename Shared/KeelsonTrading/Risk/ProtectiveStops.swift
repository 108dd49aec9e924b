import Foundation
import KeelsonDomain

/// The exits guarding one long position: a fixed stop-loss, an optional take-profit, and an optional trailing
/// stop that follows the highest price seen since entry and never moves down.
public struct ProtectiveStops: Sendable, Equatable, Codable {
    public var stopPrice: Decimal
    public var takeProfitPrice: Decimal?
    public var trailingDistance: Decimal?
    public var highestPrice: Decimal

    public init(stopPrice: Decimal, takeProfitPrice: Decimal?, trailingDistance: Decimal?, highestPrice: Decimal) {
        self.stopPrice = stopPrice
        self.takeProfitPrice = takeProfitPrice
        self.trailingDistance = trailingDistance
        self.highestPrice = highestPrice
    }

    public var trailingStopPrice: Decimal? { trailingDistance.map { highestPrice - $0 } }

    /// The stop in force: the higher of the fixed and the trailing stop.
    public var effectiveStop: (price: Decimal, cause: OrderCause) {
        if let trailing = trailingStopPrice, trailing > stopPrice { return (trailing, .trailingStop) }
        return (stopPrice, .stopLoss)
    }

    /// Which exit `candle` triggers, if any. Within one bar the order of high and low is unknown, so a bar
    /// that touches both the stop and the take-profit is counted as a stop (the pessimistic reading). A bar
    /// that opens through a level exits at its open, not at the level.
    public func trigger(on candle: Candle) -> ExitTrigger? {
        let stop = effectiveStop
        if candle.open <= stop.price { return ExitTrigger(cause: stop.cause, price: candle.open, level: stop.price) }
        if candle.low <= stop.price { return ExitTrigger(cause: stop.cause, price: stop.price, level: stop.price) }
        if let target = takeProfitPrice {
            if candle.open >= target { return ExitTrigger(cause: .takeProfit, price: candle.open, level: target) }
            if candle.high >= target { return ExitTrigger(cause: .takeProfit, price: target, level: target) }
        }
        return nil
    }

    /// The stops after `candle` closed without triggering: the trailing stop ratchets up to follow its high,
    /// taking effect from the next bar.
    public func advanced(by candle: Candle) -> ProtectiveStops {
        var next = self
        if candle.high > highestPrice { next.highestPrice = candle.high }
        return next
    }
}

/// An exit a candle triggered: why, the price it executes at, and the level that was crossed.
public struct ExitTrigger: Sendable, Equatable {
    public var cause: OrderCause
    public var price: Decimal
    public var level: Decimal
}
