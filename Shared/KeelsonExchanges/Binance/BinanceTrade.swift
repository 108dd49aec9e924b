import Foundation

/// One execution of the account's, as `GET /api/v3/myTrades` reports it: which order it belongs to, what it
/// traded and the commission it was charged. The same `id` is the `tradeId` of the fill in the order's FULL answer.
public struct BinanceTrade: Sendable, Equatable, Decodable {
    public var symbol: String
    public var id: Int64
    public var orderId: Int64
    public var orderListId: Int64
    public var price: Decimal
    public var qty: Decimal
    public var quoteQty: Decimal
    public var commission: Decimal
    public var commissionAsset: String
    public var time: Date
    public var isBuyer: Bool
    public var isMaker: Bool
    public var isBestMatch: Bool

    enum CodingKeys: String, CodingKey {
        case symbol, id, orderId, orderListId, price, qty, quoteQty, commission, commissionAsset, time, isBuyer, isMaker, isBestMatch
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        symbol = try container.decode(String.self, forKey: .symbol)
        id = try container.decodeFlexibleInt64(forKey: .id)
        orderId = try container.decodeFlexibleInt64(forKey: .orderId)
        orderListId = try container.decodeFlexibleInt64IfPresent(forKey: .orderListId) ?? -1
        price = try container.decodeDecimalString(forKey: .price)
        qty = try container.decodeDecimalString(forKey: .qty)
        quoteQty = try container.decodeDecimalIfPresent(forKey: .quoteQty) ?? price * qty
        commission = try container.decodeDecimalString(forKey: .commission)
        commissionAsset = try container.decode(String.self, forKey: .commissionAsset)
        time = try container.decodeEpochMilliseconds(forKey: .time)
        isBuyer = try container.decode(Bool.self, forKey: .isBuyer)
        isMaker = try container.decode(Bool.self, forKey: .isMaker)
        isBestMatch = try container.decodeIfPresent(Bool.self, forKey: .isBestMatch) ?? true
    }
}
