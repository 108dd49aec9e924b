import Foundation

/// The fake's one account: balances and orders, changed together so a fill and its balances never disagree.
/// MARKET orders fill at once at the given price; LIMIT orders rest as NEW with their funds locked until
/// `fill` (a control action: "the market reached the price") or a cancel.
actor FakeSpotAccount {
    private var free: [String: Decimal]
    private var locked: [String: Decimal] = [:]
    private(set) var orders: [FakeOrder] = []
    private var nextOrderId: Int64 = 3_753_014_780
    private var nextTradeId: Int64 = 269_707_612
    private var nextOrderListId: Int64 = 1
    /// What each working OCO list holds locked, once for both legs.
    private var listLocks: [Int64: (asset: String, amount: Decimal)] = [:]
    private(set) var listClientOrderIds: [Int64: String] = [:]
    private var generatedIds = 0
    let commissionRate: Decimal

    init(balances: [String: Decimal], commissionRate: Decimal) {
        self.free = balances
        self.commissionRate = commissionRate
    }

    func place(_ request: FakeOrderRequest, marketPrice: Decimal, now: Int64) throws(FakeBinanceError) -> FakeOrder {
        let symbol = request.symbol
        if let clientOrderId = request.clientOrderId, orders.contains(where: { $0.isOpen && $0.clientOrderId == clientOrderId }) {
            throw .duplicateOrder
        }
        try FakeFilters.check(request, marketPrice: marketPrice)
        var order = FakeOrder(
            orderId: nextOrderId, symbol: symbol.symbol, baseAsset: symbol.baseAsset, quoteAsset: symbol.quoteAsset,
            clientOrderId: request.clientOrderId ?? generateClientOrderId(),
            side: request.side, type: request.type, timeInForce: request.timeInForce ?? "GTC",
            price: request.type == "MARKET" ? 0 : request.price ?? 0,
            originalQuantity: request.quantity ?? 0, executedQuantity: 0, cumulativeQuoteQuantity: 0,
            originalQuoteOrderQuantity: request.quoteOrderQuantity ?? 0, status: "NEW", time: now, updateTime: now, fills: []
        )
        order.stopPrice = request.stopPrice ?? 0
        if order.isStopOrder, order.reachesStop(at: marketPrice) { throw .stopWouldTriggerImmediately }
        if request.type == "MARKET" {
            let quantity = request.quantity ?? ((request.quoteOrderQuantity ?? 0) / marketPrice).roundedDown(to: symbol.stepSize)
            order.originalQuantity = quantity
            try execute(&order, quantity: quantity, price: marketPrice, symbol: symbol, fromLocked: false, now: now)
        } else {
            let quantity = request.quantity ?? 0, price = request.price ?? 0
            let (asset, amount) = request.side == "BUY" ? (symbol.quoteAsset, quantity * price) : (symbol.baseAsset, quantity)
            guard free[asset, default: 0] >= amount else { throw .insufficientBalance }
            free[asset, default: 0] -= amount
            locked[asset, default: 0] += amount
        }
        nextOrderId += 1
        orders.append(order)
        return order
    }

    /// Places an OCO list: a leg above the market (for a sell: a LIMIT_MAKER or TAKE_PROFIT_LIMIT; for a buy: a
    /// STOP_LOSS_LIMIT) and a leg below it (the other way round), one quantity locked once for both. When one leg
    /// executes the other expires; canceling either cancels both.
    func placeOCO(_ request: FakeOCORequest, marketPrice: Decimal, now: Int64) throws(FakeBinanceError) -> (listId: Int64, legs: [FakeOrder]) {
        let symbol = request.symbol
        let sell = request.side == "SELL"
        let targets: Set<String> = ["LIMIT_MAKER", "TAKE_PROFIT_LIMIT"]
        guard sell ? targets.contains(request.above.type) && request.below.type == "STOP_LOSS_LIMIT"
            : request.above.type == "STOP_LOSS_LIMIT" && targets.contains(request.below.type)
        else { throw .invalidOrderType }
        for (name, leg) in [("above", request.above), ("below", request.below)] {
            if leg.price == nil { throw .mandatory("\(name)Price") }
            if leg.type != "LIMIT_MAKER", leg.stopPrice == nil { throw .mandatory("\(name)StopPrice") }
            if leg.type != "LIMIT_MAKER", leg.timeInForce == nil { throw .mandatory("\(name)TimeInForce") }
            if let clientOrderId = leg.clientOrderId, orders.contains(where: { $0.isOpen && $0.clientOrderId == clientOrderId }) {
                throw .duplicateOrder
            }
        }
        func reference(_ leg: FakeOCORequest.Leg) -> Decimal { leg.type == "LIMIT_MAKER" ? leg.price ?? 0 : leg.stopPrice ?? 0 }
        guard reference(request.above) > marketPrice, reference(request.below) < marketPrice else { throw .ocoPriceRelationship }
        for leg in [request.above, request.below] {
            try FakeFilters.check(
                FakeOrderRequest(
                    symbol: symbol, side: request.side, type: leg.type, timeInForce: leg.timeInForce, quantity: request.quantity,
                    quoteOrderQuantity: nil, price: leg.price, stopPrice: leg.stopPrice, clientOrderId: leg.clientOrderId),
                marketPrice: marketPrice)
        }
        let highest = max(request.above.price ?? 0, request.below.price ?? 0)
        let (asset, amount) = sell ? (symbol.baseAsset, request.quantity) : (symbol.quoteAsset, request.quantity * highest)
        guard free[asset, default: 0] >= amount else { throw .insufficientBalance }
        free[asset, default: 0] -= amount
        locked[asset, default: 0] += amount
        let listId = nextOrderListId
        nextOrderListId += 1
        listLocks[listId] = (asset, amount)
        listClientOrderIds[listId] = request.listClientOrderId ?? generateClientOrderId()
        var legs: [FakeOrder] = []
        for leg in [request.below, request.above] {
            var order = FakeOrder(
                orderId: nextOrderId, symbol: symbol.symbol, baseAsset: symbol.baseAsset, quoteAsset: symbol.quoteAsset,
                clientOrderId: leg.clientOrderId ?? generateClientOrderId(), side: request.side, type: leg.type,
                timeInForce: leg.timeInForce ?? "GTC", price: leg.price ?? 0, originalQuantity: request.quantity, executedQuantity: 0,
                cumulativeQuoteQuantity: 0, originalQuoteOrderQuantity: 0, status: "NEW", time: now, updateTime: now, fills: [])
            order.orderListId = listId
            order.stopPrice = leg.stopPrice ?? 0
            nextOrderId += 1
            orders.append(order)
            legs.append(order)
        }
        return (listId, legs)
    }

    /// Cancels every open leg of a list and releases its funds; the legs as they ended.
    func cancelList(symbol: String, orderListId: Int64?, listClientOrderId: String?, now: Int64) throws(FakeBinanceError) -> (Int64, [FakeOrder]) {
        let listId = orderListId ?? listClientOrderIds.first(where: { $0.value == listClientOrderId })?.key
        guard let listId, orders.contains(where: { $0.orderListId == listId && $0.symbol == symbol && $0.isOpen }) else { throw .unknownOrderList }
        endList(listId, except: nil, as: "CANCELED", now: now)
        return (listId, orders.filter { $0.orderListId == listId })
    }

    /// Ends the list's open legs but `except` with `status`, and releases what the list held locked.
    private func endList(_ listId: Int64, except: Int64?, as status: String, now: Int64) {
        for index in orders.indices where orders[index].orderListId == listId && orders[index].orderId != except && orders[index].isOpen {
            orders[index].status = status
            orders[index].updateTime = now
        }
        releaseListLock(listId)
    }

    private func releaseListLock(_ listId: Int64) {
        guard let (asset, amount) = listLocks.removeValue(forKey: listId) else { return }
        locked[asset, default: 0] -= amount
        free[asset, default: 0] += amount
    }

    /// The latest order matching the id given (orderId wins when both are).
    func order(symbol: String, orderId: Int64?, clientOrderId: String?) throws(FakeBinanceError) -> FakeOrder {
        guard let index = index(symbol: symbol, orderId: orderId, clientOrderId: clientOrderId) else { throw .noSuchOrder }
        return orders[index]
    }

    func cancel(symbol: String, orderId: Int64?, clientOrderId: String?, now: Int64) throws(FakeBinanceError) -> FakeOrder {
        guard let index = index(symbol: symbol, orderId: orderId, clientOrderId: clientOrderId), orders[index].isOpen else {
            throw .unknownOrderToCancel
        }
        if orders[index].orderListId != -1 {
            endList(orders[index].orderListId, except: nil, as: "CANCELED", now: now)
            return orders[index]
        }
        unlock(orders[index])
        orders[index].status = "CANCELED"
        orders[index].updateTime = now
        return orders[index]
    }

    func openOrders(symbol: String?) -> [FakeOrder] {
        orders.filter { $0.isOpen && (symbol == nil || $0.symbol == symbol) }
    }

    /// Triggers the stop orders of `symbol` that a market at `price` reaches, and fills every triggered one the price
    /// trades against: at the market price when it trades at once (the taker), at its limit price when it rested
    /// after triggering (the maker). Returns how many filled.
    @discardableResult
    func triggerStops(symbol: FakeSymbol, price: Decimal, now: Int64) -> Int {
        var filled = 0
        for index in orders.indices
        where orders[index].symbol == symbol.symbol && orders[index].isOpen && (orders[index].isStopOrder || orders[index].isMakerLeg) {
            var order = orders[index]
            let atOnce = !order.triggered && !order.isMakerLeg
            if !order.triggered, !order.isMakerLeg {
                guard order.reachesStop(at: price) else { continue }
                order.triggered = true
                order.updateTime = now
            }
            guard order.isMarketable(at: price) else {
                orders[index] = order
                continue
            }
            let listId = order.orderListId
            if listId == -1 { unlock(order) } else { releaseListLock(listId) }
            let held = listId == -1 ? nil : (order.side == "SELL" ? order.baseAsset : order.quoteAsset)
            do {
                try execute(
                    &order, quantity: order.originalQuantity - order.executedQuantity, price: atOnce ? price : order.price, symbol: symbol,
                    fromLocked: listId == -1, now: now, isMaker: !atOnce)
                filled += 1
                orders[index] = order
                if listId != -1 { endList(listId, except: order.orderId, as: "EXPIRED", now: now) }
            } catch {
                // The balance is short (a lone order's funds are locked again by execute): it keeps working.
                if let held, listId != -1 {
                    let amount = order.side == "SELL" ? order.originalQuantity : order.originalQuantity * order.price
                    free[held, default: 0] -= amount
                    locked[held, default: 0] += amount
                    listLocks[listId] = (held, amount)
                }
                orders[index] = order
            }
        }
        return filled
    }

    /// Fills a resting LIMIT order completely at `price` (its own limit price by default).
    func fill(symbol: FakeSymbol, orderId: Int64?, clientOrderId: String?, price: Decimal?, now: Int64) throws(FakeBinanceError) -> FakeOrder {
        guard let index = index(symbol: symbol.symbol, orderId: orderId, clientOrderId: clientOrderId), orders[index].isOpen else {
            throw .noSuchOrder
        }
        var order = orders[index]
        unlock(order)
        order.updateTime = now
        try execute(
            &order, quantity: order.originalQuantity - order.executedQuantity, price: price ?? order.price, symbol: symbol, fromLocked: true, now: now)
        orders[index] = order
        return order
    }

    /// The account's trades of `symbol` as GET /api/v3/myTrades selects them (the combinations it allows are checked
    /// by the route): one order's, from a trade id, in a time range, or the newest; oldest first, at most `limit`.
    func trades(symbol: String, orderId: Int64?, startTime: Int64?, endTime: Int64?, fromId: Int64?, limit: Int) -> [(FakeOrder, FakeOrder.Fill)] {
        let all = orders.filter { $0.symbol == symbol && (orderId == nil || $0.orderId == orderId) }
            .flatMap { order in order.fills.map { (order, $0) } }
            .sorted { $0.1.tradeId < $1.1.tradeId }
        if let fromId { return Array(all.filter { $0.1.tradeId >= fromId }.prefix(limit)) }
        if startTime != nil || endTime != nil {
            let from = startTime ?? .min, to = endTime ?? .max
            return Array(all.filter { (from...to).contains($0.1.time) }.prefix(limit))
        }
        return Array(all.suffix(limit))
    }

    func balances() -> [(asset: String, free: Decimal, locked: Decimal)] {
        Set(free.keys).union(locked.keys).sorted().map { ($0, free[$0, default: 0], locked[$0, default: 0]) }
    }

    func setBalance(asset: String, free amount: Decimal) {
        free[asset] = amount
    }

    /// Trades `quantity` at `price`, charging commission in what the account receives.
    private func execute(
        _ order: inout FakeOrder, quantity: Decimal, price: Decimal, symbol: FakeSymbol, fromLocked: Bool, now: Int64, isMaker: Bool? = nil
    ) throws(FakeBinanceError) {
        let quote = (quantity * price).roundedDown(to: Self.satoshi)
        let commission: Decimal, commissionAsset: String
        if order.side == "BUY" {
            guard free[symbol.quoteAsset, default: 0] >= quote else {
                if fromLocked { lock(order) }
                throw .insufficientBalance
            }
            commission = (quantity * commissionRate).roundedDown(to: Self.satoshi)
            commissionAsset = symbol.baseAsset
            free[symbol.quoteAsset, default: 0] -= quote
            free[symbol.baseAsset, default: 0] += quantity - commission
        } else {
            guard free[symbol.baseAsset, default: 0] >= quantity else {
                if fromLocked { lock(order) }
                throw .insufficientBalance
            }
            commission = (quote * commissionRate).roundedDown(to: Self.satoshi)
            commissionAsset = symbol.quoteAsset
            free[symbol.baseAsset, default: 0] -= quantity
            free[symbol.quoteAsset, default: 0] += quote - commission
        }
        order.fills.append(
            FakeOrder.Fill(
                price: price, quantity: quantity, commission: commission, commissionAsset: commissionAsset, tradeId: nextTradeId, time: now,
                isMaker: isMaker ?? fromLocked))
        nextTradeId += 1
        order.executedQuantity += quantity
        order.cumulativeQuoteQuantity += quote
        order.status = "FILLED"
    }

    private func lockedAmount(_ order: FakeOrder) -> (asset: String, amount: Decimal)? {
        // An OCO list's legs share one lock (`listLocks`).
        guard order.orderListId == -1, order.type == "LIMIT" || order.isStopOrder else { return nil }
        let remaining = order.originalQuantity - order.executedQuantity
        return order.side == "BUY" ? (order.quoteAsset, remaining * order.price) : (order.baseAsset, remaining)
    }

    private func unlock(_ order: FakeOrder) {
        guard let (asset, amount) = lockedAmount(order) else { return }
        locked[asset, default: 0] -= amount
        free[asset, default: 0] += amount
    }

    private func lock(_ order: FakeOrder) {
        guard let (asset, amount) = lockedAmount(order) else { return }
        free[asset, default: 0] -= amount
        locked[asset, default: 0] += amount
    }

    private func index(symbol: String, orderId: Int64?, clientOrderId: String?) -> Int? {
        orders.lastIndex { order in
            order.symbol == symbol && (orderId.map { order.orderId == $0 } ?? (clientOrderId.map { order.clientOrderId == $0 } ?? false))
        }
    }

    /// Binance's generated ids look like `8eBjTVyDVQshaGeIAtef4o`: 22 letters and digits.
    private func generateClientOrderId() -> String {
        generatedIds += 1
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var value = UInt64(generatedIds) &* 0x9E37_79B9_7F4A_7C15
        return String(
            (0..<22).map { _ in
                value = value &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return alphabet[Int(value >> 58) % alphabet.count]
            })
    }

    static let satoshi = Decimal(string: "0.00000001")!
}
