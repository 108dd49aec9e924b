import Foundation
import KeelsonDomain

/// An order as the broker works it.
public struct BrokerOrder: Sendable, Equatable {
    public var clientOrderID: String
    public var symbol: Symbol
    public var side: TradeSide
    public var quantity: Decimal
    public var cause: OrderCause
    /// Traded so far, as the engine recorded it.
    public var filledQuantity: Decimal
    public var averageFillPrice: Decimal?
    /// The price the decision expected (the signal's price, a stop level): slippage is measured against it.
    public var expectedPrice: Decimal?
    /// Fills only on bars that open after this: a decision made at a bar's close trades at the next price seen.
    public var decidedAfterBar: Date
    /// When the order was written.
    public var placedAt: Date
    public var fillCount: Int
    /// The open time of the bar it last filled on (paper): it fills at most once per bar.
    public var lastFillBar: Date?
    /// A stop or take-profit that was resting at the exchange and the bar crossed: it fills at once at this price.
    public var immediateFill: (price: Decimal, bar: Candle)?
    /// Set for a stop-loss that rests on the exchange rather than a market order.
    public var restingStop: RestingStop?

    public var remainingQuantity: Decimal { quantity - filledQuantity }

    public init(
        clientOrderID: String, symbol: Symbol, side: TradeSide, quantity: Decimal, cause: OrderCause, filledQuantity: Decimal,
        averageFillPrice: Decimal?,
        expectedPrice: Decimal?, decidedAfterBar: Date, placedAt: Date, fillCount: Int, lastFillBar: Date? = nil,
        immediateFill: (price: Decimal, bar: Candle)? = nil, restingStop: RestingStop? = nil
    ) {
        self.restingStop = restingStop
        self.clientOrderID = clientOrderID
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.cause = cause
        self.filledQuantity = filledQuantity
        self.averageFillPrice = averageFillPrice
        self.expectedPrice = expectedPrice
        self.decidedAfterBar = decidedAfterBar
        self.placedAt = placedAt
        self.fillCount = fillCount
        self.lastFillBar = lastFillBar
        self.immediateFill = immediateFill
    }

    /// A stop's exit seen on the bar that triggered it (decided "after" the second before that bar opened) without
    /// its immediate fill, because a crash came between the exit's write and the fill: the price the stop executes at
    /// on that bar — the level, or the open when the bar opened through it — so the restart trades as the
    /// uninterrupted run would have.
    public func triggeredStopPrice(on candle: Candle) -> Decimal? {
        guard let level = expectedPrice, candle.openTime == decidedAfterBar.addingTimeInterval(1) else { return nil }
        switch cause {
        case .stopLoss, .trailingStop: return min(candle.open, level)
        case .takeProfit: return max(candle.open, level)
        case .signal, .closeAll, .manual: return nil
        }
    }

    public static func == (lhs: BrokerOrder, rhs: BrokerOrder) -> Bool {
        lhs.clientOrderID == rhs.clientOrderID && lhs.quantity == rhs.quantity && lhs.filledQuantity == rhs.filledQuantity
            && lhs.fillCount == rhs.fillCount
    }
}
