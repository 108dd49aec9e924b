import Foundation

/// A commission as the exchange charged it.
public struct BrokerCommission: Sendable, Equatable, CustomStringConvertible {
    public var amount: Decimal
    public var asset: String
    /// Not reported by the exchange but estimated (an order recovered by query carries no fills).
    public var estimated: Bool

    public var description: String { "\(amount) \(asset)\(estimated ? " (estimated)" : "")" }

    public init(amount: Decimal, asset: String, estimated: Bool) {
        self.amount = amount
        self.asset = asset
        self.estimated = estimated
    }
}
