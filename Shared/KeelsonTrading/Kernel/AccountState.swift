import Foundation

/// Cash and what has moved it.
public struct AccountState: Sendable, Equatable {
    public var cash: Decimal
    public var realizedPnl: Decimal
    public var feesPaid: Decimal

    public init(cash: Decimal, realizedPnl: Decimal, feesPaid: Decimal) {
        self.cash = cash
        self.realizedPnl = realizedPnl
        self.feesPaid = feesPaid
    }
}
