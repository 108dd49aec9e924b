import Foundation
import KeelsonDomain

/// An order as Binance reports it: the FULL answer to a new order (with `fills`), the answer to a query or a
/// cancel, or an entry of openOrders. Fields a given answer lacks are nil or empty.
public struct BinanceOrder: Sendable, Equatable, Decodable {
    public var symbol: String
    public var orderId: Int64
    /// The OCO list the order is a leg of; -1 for a lone order.
    public var orderListId: Int64
    public var clientOrderId: String
    /// On a cancel: the id the order was placed with (`clientOrderId` is then the cancel's own id).
    public var origClientOrderId: String?
    /// When the order was placed (new orders, cancels) …
    public var transactTime: Date?
    /// … or created and last updated (queries, openOrders).
    public var time: Date?
    public var updateTime: Date?
    public var price: Decimal
    /// A stop order's trigger price (0 otherwise).
    public var stopPrice: Decimal
    public var origQty: Decimal
    public var executedQty: Decimal
    /// Total quote asset spent or received (Binance's spelling in the JSON: `cummulativeQuoteQty`).
    public var cumulativeQuoteQty: Decimal
    public var status: BinanceOrderStatus
    public var timeInForce: String?
    public var type: BinanceOrderType
    public var side: BinanceOrderSide
    public var fills: [BinanceFill]

    /// The volume-weighted price of what was executed; nil before any execution.
    public var averagePrice: Decimal? {
        executedQty > 0 ? cumulativeQuoteQty / executedQty : nil
    }

    enum CodingKeys: String, CodingKey {
        case symbol, orderId, orderListId, clientOrderId, origClientOrderId, transactTime, time, updateTime, price, stopPrice, origQty, executedQty
        case cumulativeQuoteQty = "cummulativeQuoteQty"
        case status, timeInForce, type, side, fills
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        symbol = try container.decode(String.self, forKey: .symbol)
        orderId = try container.decodeFlexibleInt64(forKey: .orderId)
        orderListId = try container.decodeFlexibleInt64IfPresent(forKey: .orderListId) ?? -1
        clientOrderId = try container.decode(String.self, forKey: .clientOrderId)
        origClientOrderId = try container.decodeIfPresent(String.self, forKey: .origClientOrderId)
        transactTime = try container.decodeFlexibleInt64IfPresent(forKey: .transactTime).map(Date.init(epochMilliseconds:))
        time = try container.decodeFlexibleInt64IfPresent(forKey: .time).map(Date.init(epochMilliseconds:))
        updateTime = try container.decodeFlexibleInt64IfPresent(forKey: .updateTime).map(Date.init(epochMilliseconds:))
        price = try container.decodeDecimalIfPresent(forKey: .price) ?? 0
        stopPrice = try container.decodeDecimalIfPresent(forKey: .stopPrice) ?? 0
        origQty = try container.decodeDecimalIfPresent(forKey: .origQty) ?? 0
        executedQty = try container.decodeDecimalIfPresent(forKey: .executedQty) ?? 0
        cumulativeQuoteQty = try container.decodeDecimalIfPresent(forKey: .cumulativeQuoteQty) ?? 0
        status = try container.decode(BinanceOrderStatus.self, forKey: .status)
        timeInForce = try container.decodeIfPresent(String.self, forKey: .timeInForce)
        type = try container.decode(BinanceOrderType.self, forKey: .type)
        side = try container.decode(BinanceOrderSide.self, forKey: .side)
        fills = try container.decodeIfPresent([BinanceFill].self, forKey: .fills) ?? []
    }
}

/// One execution of a new order, with the commission charged for it and the asset it was charged in.
public struct BinanceFill: Sendable, Equatable, Decodable {
    public var price: Decimal
    public var qty: Decimal
    public var commission: Decimal
    public var commissionAsset: String
    public var tradeId: Int64

    enum CodingKeys: String, CodingKey { case price, qty, commission, commissionAsset, tradeId }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        price = try container.decodeDecimalString(forKey: .price)
        qty = try container.decodeDecimalString(forKey: .qty)
        commission = try container.decodeDecimalString(forKey: .commission)
        commissionAsset = try container.decode(String.self, forKey: .commissionAsset)
        tradeId = try container.decodeFlexibleInt64(forKey: .tradeId)
    }
}
