import Foundation
import KeelsonDomain

/// One long position and the round trip it is part of: entries average in, exits realise PnL, and when the
/// quantity reaches zero the round trip becomes a `ClosedTrade`. Cash moves by exactly what each fill costs.
public struct Position: Sendable, Equatable {
    public var symbol: Symbol
    public var quantity: Decimal
    /// What the quantity held cost, exactly; realised PnL is measured against it, so a round trip's PnL is
    /// exactly exit proceeds minus entry cost however the average price rounds.
    public var costBasis: Decimal
    public var averageEntryPrice: Decimal
    public var entryQuantity: Decimal
    public var entryFees: Decimal
    public var exitQuantity: Decimal
    public var exitNotional: Decimal
    public var exitFees: Decimal
    /// PnL realised by exits so far, before fees.
    public var realizedPnl: Decimal
    public var openedAt: Date
    public var entryOrderID: Int64
    public var stops: ProtectiveStops?
    /// Exit orders created for this position so far (part of their client order ids).
    public var exitAttempts: Int

    public init(symbol: Symbol, entryOrderID: Int64, openedAt: Date, stops: ProtectiveStops?) {
        self.symbol = symbol
        self.quantity = 0
        self.costBasis = 0
        self.averageEntryPrice = 0
        self.entryQuantity = 0
        self.entryFees = 0
        self.exitQuantity = 0
        self.exitNotional = 0
        self.exitFees = 0
        self.realizedPnl = 0
        self.openedAt = openedAt
        self.entryOrderID = entryOrderID
        self.stops = stops
        self.exitAttempts = 0
    }

    /// A position as stored, so a round trip carries on exactly after a restart (or a tool closes it by hand).
    public init(
        restoring symbol: Symbol, quantity: Decimal, costBasis: Decimal, averageEntryPrice: Decimal, entryQuantity: Decimal, entryFees: Decimal,
        exitQuantity: Decimal, exitNotional: Decimal, exitFees: Decimal, realizedPnl: Decimal, openedAt: Date, entryOrderID: Int64,
        stops: ProtectiveStops?, exitAttempts: Int
    ) {
        self.init(symbol: symbol, entryOrderID: entryOrderID, openedAt: openedAt, stops: stops)
        self.quantity = quantity
        self.costBasis = costBasis
        self.averageEntryPrice = averageEntryPrice
        self.entryQuantity = entryQuantity
        self.entryFees = entryFees
        self.exitQuantity = exitQuantity
        self.exitNotional = exitNotional
        self.exitFees = exitFees
        self.realizedPnl = realizedPnl
        self.exitAttempts = exitAttempts
    }

    public func marketValue(at price: Decimal) -> Decimal { quantity * price }
    public func unrealizedPnl(at price: Decimal) -> Decimal { quantity * (price - averageEntryPrice) }

    /// Applies one fill; returns the cash it moves and, when it closes the position, the round trip.
    /// (`plus`, `times`, … are Foundation's operators computed on integers when they fit: the backtester applies
    /// tens of thousands of fills a second.)
    public mutating func apply(_ fill: FillInput) throws(AccountingError) -> FillEffect {
        let notional = fill.quantity.times(fill.price)
        switch fill.side {
        case .buy:
            let total = quantity.plus(fill.quantity)
            costBasis = costBasis.plus(notional)
            // The first fill's average is its price; only adding to a position needs the division.
            averageEntryPrice = quantity.isZero ? fill.price.rounded(scale: 12) : costBasis.quotient(dividingBy: total, scale: 12)
            quantity = total
            entryQuantity = entryQuantity.plus(fill.quantity)
            entryFees = entryFees.plus(fill.fee)
            return FillEffect(cashDelta: (-notional).minus(fill.fee), realizedPnlDelta: 0, closedTrade: nil)
        case .sell:
            guard !fill.quantity.isAbove(quantity) else {
                throw AccountingError(
                    reason: "a sell of \(fill.quantity) \(symbol) is larger than the position of \(quantity); spot positions cannot go short")
            }
            // The last exit takes the whole remaining cost, so rounding never leaks into the round trip.
            let cost = fill.quantity.isSameValue(as: quantity) ? costBasis : costBasis.times(fill.quantity).quotient(dividingBy: quantity, scale: 12)
            let pnl = notional.minus(cost)
            realizedPnl = realizedPnl.plus(pnl)
            costBasis = costBasis.minus(cost)
            quantity = quantity.minus(fill.quantity)
            exitQuantity = exitQuantity.plus(fill.quantity)
            exitNotional = exitNotional.plus(notional)
            exitFees = exitFees.plus(fill.fee)
            var trade: ClosedTrade?
            if quantity.isZero {
                trade = ClosedTrade(
                    symbol: symbol, quantity: entryQuantity, entryTime: openedAt,
                    entryPrice: exitNotional.minus(realizedPnl).quotient(dividingBy: exitQuantity, scale: 12),
                    exitTime: fill.time, exitPrice: exitNotional.quotient(dividingBy: exitQuantity, scale: 12),
                    pnl: realizedPnl.minus(entryFees).minus(exitFees), fees: entryFees.plus(exitFees),
                    exitReason: fill.cause, entryOrderID: entryOrderID, exitOrderID: fill.orderID
                )
            }
            return FillEffect(cashDelta: notional.minus(fill.fee), realizedPnlDelta: pnl, closedTrade: trade)
        }
    }
}

/// What the accounting needs to know about a fill.
public struct FillInput: Sendable, Equatable {
    public var orderID: Int64
    public var side: TradeSide
    public var quantity: Decimal
    public var price: Decimal
    public var fee: Decimal
    public var time: Date
    public var cause: OrderCause

    public init(orderID: Int64, side: TradeSide, quantity: Decimal, price: Decimal, fee: Decimal, time: Date, cause: OrderCause) {
        self.orderID = orderID
        self.side = side
        self.quantity = quantity
        self.price = price
        self.fee = fee
        self.time = time
        self.cause = cause
    }
}

public struct FillEffect: Sendable, Equatable {
    public var cashDelta: Decimal
    /// Before fees.
    public var realizedPnlDelta: Decimal
    public var closedTrade: ClosedTrade?
}

public struct AccountingError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}
