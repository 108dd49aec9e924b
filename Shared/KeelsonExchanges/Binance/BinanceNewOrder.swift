import Foundation

/// A new order for `POST /api/v3/order`. Always carries the caller's client order id, so a request whose
/// answer was lost can be found again (`BinanceRESTClient.order(symbol:clientOrderId:)`).
public struct BinanceNewOrder: Sendable, Equatable {
    public var symbol: String
    public var side: BinanceOrderSide
    public var type: BinanceOrderType
    public var quantity: Decimal?
    /// A market order's size in the quote asset instead of `quantity`.
    public var quoteOrderQuantity: Decimal?
    public var price: Decimal?
    public var timeInForce: BinanceTimeInForce?
    /// A STOP_LOSS_LIMIT or TAKE_PROFIT_LIMIT order's trigger price.
    public var stopPrice: Decimal?
    /// At most 36 characters of `A-Z a-z 0-9 - _`; derive it from what caused the order.
    public var clientOrderId: String

    public static func market(symbol: String, side: BinanceOrderSide, quantity: Decimal, clientOrderId: String) -> BinanceNewOrder {
        BinanceNewOrder(symbol: symbol, side: side, type: .market, quantity: quantity, clientOrderId: clientOrderId)
    }

    public static func marketQuote(symbol: String, side: BinanceOrderSide, quoteQuantity: Decimal, clientOrderId: String) -> BinanceNewOrder {
        BinanceNewOrder(symbol: symbol, side: side, type: .market, quoteOrderQuantity: quoteQuantity, clientOrderId: clientOrderId)
    }

    public static func limit(
        symbol: String, side: BinanceOrderSide, quantity: Decimal, price: Decimal, timeInForce: BinanceTimeInForce = .goodTillCanceled,
        clientOrderId: String
    ) -> BinanceNewOrder {
        BinanceNewOrder(
            symbol: symbol, side: side, type: .limit, quantity: quantity, price: price, timeInForce: timeInForce, clientOrderId: clientOrderId)
    }

    /// A limit order at `price` that the exchange holds until the market reaches `stopPrice` (falling to it for a
    /// sell): the stop-loss that protects a position while no engine watches it.
    public static func stopLossLimit(
        symbol: String, side: BinanceOrderSide, quantity: Decimal, stopPrice: Decimal, price: Decimal, clientOrderId: String
    ) -> BinanceNewOrder {
        BinanceNewOrder(
            symbol: symbol, side: side, type: .stopLossLimit, quantity: quantity, price: price, timeInForce: .goodTillCanceled,
            stopPrice: stopPrice, clientOrderId: clientOrderId)
    }

    public init(
        symbol: String, side: BinanceOrderSide, type: BinanceOrderType, quantity: Decimal? = nil, quoteOrderQuantity: Decimal? = nil,
        price: Decimal? = nil, timeInForce: BinanceTimeInForce? = nil, stopPrice: Decimal? = nil, clientOrderId: String
    ) {
        self.stopPrice = stopPrice
        self.symbol = symbol
        self.side = side
        self.type = type
        self.quantity = quantity
        self.quoteOrderQuantity = quoteOrderQuantity
        self.price = price
        self.timeInForce = timeInForce
        self.clientOrderId = clientOrderId
    }

    /// The parameters before `recvWindow`, `timestamp` and `signature`, in Binance's documented order.
    func parameters() throws(BinanceError) -> BinanceQuery {
        guard (1...36).contains(clientOrderId.count),
            clientOrderId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw .invalidRequest("client order id '\(clientOrderId)' must be 1 to 36 characters of A-Z, a-z, 0-9, '-' or '_'")
        }
        switch type {
        case .market where (quantity == nil) == (quoteOrderQuantity == nil):
            throw .invalidRequest("a MARKET order needs exactly one of quantity and quote order quantity")
        case .limit where quantity == nil || price == nil:
            throw .invalidRequest("a LIMIT order needs a quantity and a price")
        case .stopLossLimit where quantity == nil || price == nil || stopPrice == nil,
            .takeProfitLimit where quantity == nil || price == nil || stopPrice == nil:
            throw .invalidRequest("a \(type.rawValue) order needs a quantity, a price and a stop price")
        default:
            break
        }
        let timeInForce = self.timeInForce ?? (type == .market ? nil : .goodTillCanceled)
        return BinanceQuery([
            ("symbol", symbol), ("side", side.rawValue), ("type", type.rawValue), ("timeInForce", timeInForce?.rawValue),
            ("quantity", quantity?.binanceParameter), ("quoteOrderQty", quoteOrderQuantity?.binanceParameter),
            ("price", price?.binanceParameter), ("newClientOrderId", clientOrderId), ("stopPrice", stopPrice?.binanceParameter),
            ("newOrderRespType", "FULL"),
        ])
    }
}
