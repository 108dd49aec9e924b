import Foundation

/// A new OCO list for `POST /api/v3/orderList/oco`: one quantity, a leg above the market and a leg below it; when
/// one leg executes the exchange expires the other. A long position's exits are a SELL with a LIMIT_MAKER (the
/// take-profit) above and a STOP_LOSS_LIMIT (the stop) below.
public struct BinanceNewOCO: Sendable, Equatable {
    public struct Leg: Sendable, Equatable {
        public var type: BinanceOrderType
        public var price: Decimal
        public var stopPrice: Decimal?
        public var clientOrderId: String

        public init(type: BinanceOrderType, price: Decimal, stopPrice: Decimal? = nil, clientOrderId: String) {
            self.type = type
            self.price = price
            self.stopPrice = stopPrice
            self.clientOrderId = clientOrderId
        }
    }

    public var symbol: String
    public var side: BinanceOrderSide
    public var quantity: Decimal
    public var listClientOrderId: String
    public var above: Leg
    public var below: Leg

    public init(symbol: String, side: BinanceOrderSide, quantity: Decimal, listClientOrderId: String, above: Leg, below: Leg) {
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.listClientOrderId = listClientOrderId
        self.above = above
        self.below = below
    }

    func parameters() -> BinanceQuery {
        var query = BinanceQuery([
            ("symbol", symbol), ("listClientOrderId", listClientOrderId), ("side", side.rawValue), ("quantity", quantity.binanceParameter),
        ])
        for (name, leg) in [("above", above), ("below", below)] {
            query.append("\(name)Type", leg.type.rawValue)
            query.append("\(name)ClientOrderId", leg.clientOrderId)
            query.append("\(name)Price", leg.price.binanceParameter)
            if let stop = leg.stopPrice {
                query.append("\(name)StopPrice", stop.binanceParameter)
                query.append("\(name)TimeInForce", BinanceTimeInForce.goodTillCanceled.rawValue)
            }
        }
        return query
    }
}

/// An OCO list as Binance reports it when placed or canceled: its state and each leg's report.
public struct BinanceOrderList: Sendable, Equatable, Decodable {
    public var orderListId: Int64
    public var contingencyType: String
    public var listStatusType: String
    public var listOrderStatus: String
    public var listClientOrderId: String
    public var symbol: String
    public var orderReports: [BinanceOrder]
}
