import Foundation

/// An order held by the fake exchange, with its executions.
public struct FakeOrder: Sendable, Equatable {
    public struct Fill: Sendable, Equatable {
        public var price, quantity, commission: Decimal
        public var commissionAsset: String
        public var tradeId: Int64
        /// Epoch milliseconds on the server's clock.
        public var time: Int64
        /// The order rested on the book and was taken (a LIMIT filled later), rather than taking at once.
        public var isMaker: Bool
    }

    public var orderId: Int64
    public var symbol: String
    public var baseAsset: String
    public var quoteAsset: String
    public var clientOrderId: String
    public var side: String
    public var type: String
    public var timeInForce: String
    public var price: Decimal
    public var originalQuantity: Decimal
    public var executedQuantity: Decimal
    public var cumulativeQuoteQuantity: Decimal
    public var originalQuoteOrderQuantity: Decimal
    public var status: String
    /// Epoch milliseconds on the server's clock.
    public var time: Int64
    public var updateTime: Int64
    public var fills: [Fill]

    public var isOpen: Bool { status == "NEW" || status == "PARTIALLY_FILLED" }
}

/// A new order's parameters as the fake received them (already checked for presence and format).
struct FakeOrderRequest: Sendable {
    var symbol: FakeSymbol
    var side: String
    var type: String
    var timeInForce: String?
    var quantity: Decimal?
    var quoteOrderQuantity: Decimal?
    var price: Decimal?
    var clientOrderId: String?
}
