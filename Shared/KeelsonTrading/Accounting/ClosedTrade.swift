import Foundation
import KeelsonDomain

/// A finished round trip (long only: spot). `pnl` is net of the fees of both legs.
public struct ClosedTrade: Sendable, Equatable {
    public var symbol: Symbol
    public var quantity: Decimal
    public var entryTime: Date
    public var entryPrice: Decimal
    public var exitTime: Date
    public var exitPrice: Decimal
    public var pnl: Decimal
    public var fees: Decimal
    public var exitReason: OrderCause
    public var entryOrderID: Int64?
    public var exitOrderID: Int64?

    public init(
        symbol: Symbol, quantity: Decimal, entryTime: Date, entryPrice: Decimal, exitTime: Date, exitPrice: Decimal,
        pnl: Decimal, fees: Decimal, exitReason: OrderCause, entryOrderID: Int64?, exitOrderID: Int64?
    ) {
        self.symbol = symbol
        self.quantity = quantity
        self.entryTime = entryTime
        self.entryPrice = entryPrice
        self.exitTime = exitTime
        self.exitPrice = exitPrice
        self.pnl = pnl
        self.fees = fees
        self.exitReason = exitReason
        self.entryOrderID = entryOrderID
        self.exitOrderID = exitOrderID
    }
}
