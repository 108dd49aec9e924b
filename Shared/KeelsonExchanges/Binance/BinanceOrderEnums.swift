public enum BinanceOrderSide: String, Sendable, Codable, Equatable {
    case buy = "BUY", sell = "SELL"
}

public enum BinanceOrderType: String, Sendable, Codable, Equatable {
    case market = "MARKET", limit = "LIMIT", limitMaker = "LIMIT_MAKER"
    case stopLoss = "STOP_LOSS", stopLossLimit = "STOP_LOSS_LIMIT", takeProfit = "TAKE_PROFIT", takeProfitLimit = "TAKE_PROFIT_LIMIT"
}

public enum BinanceTimeInForce: String, Sendable, Codable, Equatable {
    case goodTillCanceled = "GTC", immediateOrCancel = "IOC", fillOrKill = "FOK"
}

public enum BinanceOrderStatus: String, Sendable, Codable, Equatable {
    case new = "NEW", pendingNew = "PENDING_NEW", partiallyFilled = "PARTIALLY_FILLED", filled = "FILLED"
    case canceled = "CANCELED", rejected = "REJECTED", expired = "EXPIRED", expiredInMatch = "EXPIRED_IN_MATCH"

    /// The order can no longer trade.
    public var isFinal: Bool {
        switch self {
        case .new, .pendingNew, .partiallyFilled: false
        case .filled, .canceled, .rejected, .expired, .expiredInMatch: true
        }
    }
}
