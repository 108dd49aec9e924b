import Foundation

/// Binance's answer shapes (EXCHANGES.md), built from the fake's state.
enum FakeBinanceJSON {
    static func exchangeInfo(symbols: [FakeSymbol], weightLimit: Int, serverTime: Int64) -> FakeJSON {
        .object([
            ("timezone", "UTC"), ("serverTime", .int(serverTime)),
            (
                "rateLimits",
                .array([
                    .object([("rateLimitType", "REQUEST_WEIGHT"), ("interval", "MINUTE"), ("intervalNum", 1), ("limit", .int(Int64(weightLimit)))]),
                    .object([("rateLimitType", "ORDERS"), ("interval", "SECOND"), ("intervalNum", 10), ("limit", 100)]),
                    .object([("rateLimitType", "ORDERS"), ("interval", "DAY"), ("intervalNum", 1), ("limit", 200_000)]),
                    .object([("rateLimitType", "RAW_REQUESTS"), ("interval", "MINUTE"), ("intervalNum", 5), ("limit", 61_000)]),
                ])
            ),
            ("exchangeFilters", .array([])),
            ("symbols", .array(symbols.map(symbolInfo))),
        ])
    }

    static func symbolInfo(_ symbol: FakeSymbol) -> FakeJSON {
        .object([
            ("symbol", .string(symbol.symbol)), ("status", "TRADING"), ("baseAsset", .string(symbol.baseAsset)), ("baseAssetPrecision", 8),
            ("quoteAsset", .string(symbol.quoteAsset)), ("quotePrecision", 8), ("quoteAssetPrecision", 8),
            ("baseCommissionPrecision", 8), ("quoteCommissionPrecision", 8),
            ("orderTypes", .array(["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"])),
            ("icebergAllowed", true), ("ocoAllowed", true), ("quoteOrderQtyMarketAllowed", true), ("allowTrailingStop", true),
            ("cancelReplaceAllowed", true), ("isSpotTradingAllowed", true), ("isMarginTradingAllowed", false),
            (
                "filters",
                .array([
                    .object([
                        ("filterType", "PRICE_FILTER"), ("minPrice", .decimal(symbol.minPrice)), ("maxPrice", .decimal(symbol.maxPrice)),
                        ("tickSize", .decimal(symbol.tickSize)),
                    ]),
                    .object([
                        ("filterType", "LOT_SIZE"), ("minQty", .decimal(symbol.minQty)), ("maxQty", .decimal(symbol.maxQty)),
                        ("stepSize", .decimal(symbol.stepSize)),
                    ]),
                    .object([
                        ("filterType", "MARKET_LOT_SIZE"), ("minQty", "0.00000000"), ("maxQty", .decimal(symbol.maxQty)), ("stepSize", "0.00000000"),
                    ]),
                    .object([
                        ("filterType", "NOTIONAL"), ("minNotional", .decimal(symbol.minNotional)),
                        ("applyMinToMarket", .bool(symbol.applyMinToMarket)),
                        ("maxNotional", .decimal(symbol.maxNotional)), ("applyMaxToMarket", .bool(symbol.applyMaxToMarket)), ("avgPriceMins", 5),
                    ]),
                ])
            ),
            ("permissions", .array([])), ("permissionSets", .array([.array(["SPOT"])])),
            ("defaultSelfTradePreventionMode", "EXPIRE_MAKER"),
            ("allowedSelfTradePreventionModes", .array(["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"])),
        ])
    }

    /// A row of /api/v3/klines: indexes 0, 6, 8 integers, the rest decimal strings.
    static func klineRow(_ bar: FakeBar) -> FakeJSON {
        .array([
            .int(bar.openTime), .decimal(bar.open), .decimal(bar.high), .decimal(bar.low), .decimal(bar.close), .decimal(bar.volume),
            .int(bar.closeTime), .decimal(bar.quoteVolume), .int(bar.trades), .decimal(bar.takerBuyBaseVolume), .decimal(bar.takerBuyQuoteVolume),
            "0",
        ])
    }

    /// A kline stream payload.
    static func klineEvent(_ bar: FakeBar, symbol: String, interval: String, eventTime: Int64) -> FakeJSON {
        .object([
            ("e", "kline"), ("E", .int(eventTime)), ("s", .string(symbol)),
            (
                "k",
                .object([
                    ("t", .int(bar.openTime)), ("T", .int(bar.closeTime)), ("s", .string(symbol)), ("i", .string(interval)),
                    ("f", .int(bar.firstTradeId)), ("L", .int(bar.lastTradeId)), ("o", .decimal(bar.open)), ("c", .decimal(bar.close)),
                    ("h", .decimal(bar.high)), ("l", .decimal(bar.low)), ("v", .decimal(bar.volume)), ("n", .int(bar.trades)),
                    ("x", .bool(bar.isClosed)), ("q", .decimal(bar.quoteVolume)), ("V", .decimal(bar.takerBuyBaseVolume)),
                    ("Q", .decimal(bar.takerBuyQuoteVolume)), ("B", "0"),
                ])
            ),
        ])
    }

    /// The answer to a new order in the requested shape: ACK, RESULT, or FULL (with fills).
    static func newOrder(_ order: FakeOrder, responseType: String) -> FakeJSON {
        var fields: [(String, FakeJSON)] = [
            ("symbol", .string(order.symbol)), ("orderId", .int(order.orderId)), ("orderListId", .int(order.orderListId)),
            ("clientOrderId", .string(order.clientOrderId)), ("transactTime", .int(order.time)),
        ]
        guard responseType != "ACK" else { return .object(fields) }
        fields += [
            ("price", .decimal(order.price)), ("origQty", .decimal(order.originalQuantity)), ("executedQty", .decimal(order.executedQuantity)),
            ("origQuoteOrderQty", .decimal(order.originalQuoteOrderQuantity)), ("cummulativeQuoteQty", .decimal(order.cumulativeQuoteQuantity)),
            ("status", .string(order.status)), ("timeInForce", .string(order.timeInForce)), ("type", .string(order.type)),
            ("side", .string(order.side)), ("workingTime", .int(order.triggered || !order.isStopOrder ? order.time : -1)),
            ("selfTradePreventionMode", "EXPIRE_MAKER"),
        ]
        if order.isStopOrder { fields.insert(("stopPrice", .decimal(order.stopPrice)), at: fields.count - 2) }
        guard responseType == "FULL" else { return .object(fields) }
        fields.append(
            (
                "fills",
                .array(
                    order.fills.map { fill in
                        .object([
                            ("price", .decimal(fill.price)), ("qty", .decimal(fill.quantity)), ("commission", .decimal(fill.commission)),
                            ("commissionAsset", .string(fill.commissionAsset)), ("tradeId", .int(fill.tradeId)),
                        ])
                    })
            ))
        return .object(fields)
    }

    /// An order as GET /api/v3/order and /api/v3/openOrders show it.
    static func queriedOrder(_ order: FakeOrder) -> FakeJSON {
        .object([
            ("symbol", .string(order.symbol)), ("orderId", .int(order.orderId)), ("orderListId", .int(order.orderListId)),
            ("clientOrderId", .string(order.clientOrderId)),
            ("price", .decimal(order.price)), ("origQty", .decimal(order.originalQuantity)), ("executedQty", .decimal(order.executedQuantity)),
            ("cummulativeQuoteQty", .decimal(order.cumulativeQuoteQuantity)), ("status", .string(order.status)),
            ("timeInForce", .string(order.timeInForce)), ("type", .string(order.type)), ("side", .string(order.side)),
            ("stopPrice", .decimal(order.stopPrice)), ("icebergQty", "0.00000000"), ("time", .int(order.time)),
            ("updateTime", .int(order.updateTime)), ("isWorking", .bool(!order.isStopOrder || order.triggered)), ("workingTime", .int(order.time)), ("origQuoteOrderQty", .decimal(order.originalQuoteOrderQuantity)),
            ("selfTradePreventionMode", "EXPIRE_MAKER"),
        ])
    }

    /// One trade as GET /api/v3/myTrades shows it.
    static func trade(_ order: FakeOrder, _ fill: FakeOrder.Fill) -> FakeJSON {
        .object([
            ("symbol", .string(order.symbol)), ("id", .int(fill.tradeId)), ("orderId", .int(order.orderId)),
            ("orderListId", .int(order.orderListId)),
            ("price", .decimal(fill.price)), ("qty", .decimal(fill.quantity)), ("quoteQty", .decimal(fill.price * fill.quantity)),
            ("commission", .decimal(fill.commission)), ("commissionAsset", .string(fill.commissionAsset)), ("time", .int(fill.time)),
            ("isBuyer", .bool(order.side == "BUY")), ("isMaker", .bool(fill.isMaker)), ("isBestMatch", true),
        ])
    }

    /// An OCO list as POST /api/v3/orderList/oco and DELETE /api/v3/orderList answer it: its status, its legs, and
    /// each leg's report.
    static func orderList(listId: Int64, listClientOrderId: String, legs: [FakeOrder], transactionTime: Int64) -> FakeJSON {
        let done = legs.allSatisfy { !$0.isOpen }
        return .object([
            ("orderListId", .int(listId)), ("contingencyType", "OCO"), ("listStatusType", .string(done ? "ALL_DONE" : "EXEC_STARTED")),
            ("listOrderStatus", .string(done ? "ALL_DONE" : "EXECUTING")), ("listClientOrderId", .string(listClientOrderId)),
            ("transactionTime", .int(transactionTime)), ("symbol", .string(legs.first?.symbol ?? "")),
            (
                "orders",
                .array(
                    legs.map {
                        .object([("symbol", .string($0.symbol)), ("orderId", .int($0.orderId)), ("clientOrderId", .string($0.clientOrderId))])
                    })
            ),
            ("orderReports", .array(legs.map { newOrder($0, responseType: "RESULT") })),
        ])
    }

    static func canceledOrder(_ order: FakeOrder, transactTime: Int64) -> FakeJSON {
        .object([
            ("symbol", .string(order.symbol)), ("origClientOrderId", .string(order.clientOrderId)), ("orderId", .int(order.orderId)),
            ("orderListId", .int(order.orderListId)), ("clientOrderId", .string("cancel-\(order.orderId)")), ("transactTime", .int(transactTime)),
            ("price", .decimal(order.price)), ("origQty", .decimal(order.originalQuantity)), ("executedQty", .decimal(order.executedQuantity)),
            ("origQuoteOrderQty", .decimal(order.originalQuoteOrderQuantity)), ("cummulativeQuoteQty", .decimal(order.cumulativeQuoteQuantity)),
            ("status", .string(order.status)), ("timeInForce", .string(order.timeInForce)), ("type", .string(order.type)),
            ("side", .string(order.side)), ("selfTradePreventionMode", "EXPIRE_MAKER"),
        ])
    }

    static func account(balances: [(asset: String, free: Decimal, locked: Decimal)], commissionRate: Decimal, updateTime: Int64) -> FakeJSON {
        let rate = FakeJSON.decimal(commissionRate)
        let basisPoints = Int64(truncating: NSDecimalNumber(decimal: commissionRate * 10_000))
        return .object([
            ("makerCommission", .int(basisPoints)), ("takerCommission", .int(basisPoints)), ("buyerCommission", 0), ("sellerCommission", 0),
            ("commissionRates", .object([("maker", rate), ("taker", rate), ("buyer", "0.00000000"), ("seller", "0.00000000")])),
            ("canTrade", true), ("canWithdraw", true), ("canDeposit", true), ("brokered", false),
            ("requireSelfTradePrevention", false), ("preventSor", false), ("updateTime", .int(updateTime)), ("accountType", "SPOT"),
            (
                "balances",
                .array(balances.map { .object([("asset", .string($0.asset)), ("free", .decimal($0.free)), ("locked", .decimal($0.locked))]) })
            ),
            ("permissions", .array(["SPOT"])), ("uid", 354_937_868),
        ])
    }
}
