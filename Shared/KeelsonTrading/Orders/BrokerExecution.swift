import Foundation
import KeelsonDomain

/// One execution report.
public struct BrokerExecution: Sendable, Equatable {
    public var clientOrderID: String
    /// Unique per order (the exchange's trade id, or `<client order id>-<n>` on paper), so a replayed report
    /// is recognised.
    public var exchangeFillID: String
    /// How much of the order this execution traded, as the exchange counts it.
    public var quantity: Decimal
    /// What it adds to or takes from the position: `quantity`, except for a buy whose commission the exchange
    /// took in the asset bought (see `BinanceFillConversion`).
    public var positionQuantity: Decimal
    public var price: Decimal
    /// The price the fill was measured against: the bar's open, the stop level, or the decision's price.
    public var referencePrice: Decimal
    /// In the quote asset, as the engine's accounting counts it.
    public var fee: Decimal
    /// What the exchange charged, in the asset it charged it in, when that is not simply `fee`.
    public var commission: BrokerCommission?
    public var slippageBps: Decimal
    public var latencyMilliseconds: Double
    public var time: Date
    /// The open time of the bar it executed on (paper); nil on an exchange.
    public var bar: Date?

    public init(
        clientOrderID: String, exchangeFillID: String, quantity: Decimal, positionQuantity: Decimal, price: Decimal, referencePrice: Decimal,
        fee: Decimal,
        commission: BrokerCommission? = nil, slippageBps: Decimal, latencyMilliseconds: Double, time: Date, bar: Date? = nil
    ) {
        self.clientOrderID = clientOrderID
        self.exchangeFillID = exchangeFillID
        self.quantity = quantity
        self.positionQuantity = positionQuantity
        self.price = price
        self.referencePrice = referencePrice
        self.fee = fee
        self.commission = commission
        self.slippageBps = slippageBps
        self.latencyMilliseconds = latencyMilliseconds
        self.time = time
        self.bar = bar
    }
}
