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
    /// The OCO list the order is a leg of; -1 for a lone order.
    public var orderListId: Int64 = -1
    public var symbol: String
    public var baseAsset: String
    public var quoteAsset: String
    public var clientOrderId: String
    public var side: String
    public var type: String
    public var timeInForce: String
    public var price: Decimal
    /// A STOP_LOSS_LIMIT or TAKE_PROFIT_LIMIT order's trigger price (0 for other types).
    public var stopPrice: Decimal = 0
    /// A stop order whose stop price the market reached: it now works as a LIMIT at `price`.
    public var triggered = false
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

    public var isStopOrder: Bool { Self.stopTypes.contains(type) }

    /// The conditional limit orders the fake accepts, triggered from its own prices.
    static let stopTypes: Set<String> = ["STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"]

    /// Whether a market at `price` reaches the stop price: a stop-loss once the price falls to it (a sell) or rises
    /// to it (a buy), a take-profit the other way round.
    func reachesStop(at price: Decimal) -> Bool {
        let falling = (type == "STOP_LOSS_LIMIT") == (side == "SELL")
        return falling ? price <= stopPrice : price >= stopPrice
    }

    /// Whether the order waits on the book for the market to come to it (a LIMIT_MAKER leg of an OCO).
    var isMakerLeg: Bool { type == "LIMIT_MAKER" }

    /// Whether a limit at `price` trades against a market at `market`.
    func isMarketable(at market: Decimal) -> Bool {
        side == "SELL" ? market >= price : market <= price
    }
}

/// A new OCO list as the fake received it: one quantity, a leg above the market and a leg below it.
struct FakeOCORequest: Sendable {
    struct Leg: Sendable {
        var type: String
        var price: Decimal?
        var stopPrice: Decimal?
        var timeInForce: String?
        var clientOrderId: String?
    }

    var symbol: FakeSymbol
    var side: String
    var quantity: Decimal
    var listClientOrderId: String?
    var above: Leg
    var below: Leg
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
    var stopPrice: Decimal? = nil
    var clientOrderId: String?
}
