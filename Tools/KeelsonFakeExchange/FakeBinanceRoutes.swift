import Foundation
import Hummingbird
import KeelsonDomain

/// Binance spot REST as the fake serves it: public market data and SIGNED trading endpoints.
extension FakeExchange {
    static let klineIntervals: [String: Int64] = [
        "1m": 60, "3m": 180, "5m": 300, "15m": 900, "30m": 1_800, "1h": 3_600, "2h": 7_200, "4h": 14_400,
        "6h": 21_600, "8h": 28_800, "12h": 43_200, "1d": 86_400, "3d": 259_200, "1w": 604_800,
    ]

    func addBinanceRoutes(to router: Router<FakeExchangeRequestContext>) {
        let api = router.group("api/v3")
        api.get("ping") { _, _ in FakeJSON.object([]).response() }
        api.get("time") { _, _ in FakeJSON.object([("serverTime", .int(Date.now.epochMilliseconds))]).response() }
        api.get("exchangeInfo") { request, _ in try await self.exchangeInfo(request) }
        api.get("klines") { request, _ in try await self.klines(request) }
        api.post("order") { request, _ in try await self.newOrder(request) }
        api.get("order") { request, _ in try await self.queryOrder(request) }
        api.delete("order") { request, _ in try await self.cancelOrder(request) }
        api.get("openOrders") { request, _ in try await self.openOrders(request) }
        api.get("account") { request, _ in try await self.accountInformation(request) }
        api.get("myTrades") { request, _ in try await self.myTrades(request) }
        api.post("orderList/oco") { request, _ in try await self.newOCO(request) }
        api.delete("orderList") { request, _ in try await self.cancelOrderList(request) }
    }

    private func exchangeInfo(_ request: Request) async throws -> Response {
        let (parameters, _, _) = try await FakeRequestParameters.read(request)
        var listed = configuration.symbols
        if let one = parameters["symbol"] {
            listed = listed.filter { $0.symbol == one }
            if listed.isEmpty { throw FakeBinanceError.invalidSymbol }
        } else if let many = parameters["symbols"] {
            let names = many.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
            }
            listed = listed.filter { names.contains($0.symbol) }
            if listed.count != names.count { throw FakeBinanceError.invalidSymbol }
        }
        return FakeBinanceJSON.exchangeInfo(symbols: listed, weightLimit: configuration.weightLimitPerMinute, serverTime: Date.now.epochMilliseconds)
            .response()
    }

    /// startTime/endTime/limit as Binance pages them: default 500 and at most 1000 rows, oldest first; without
    /// startTime, the newest rows up to endTime (or now).
    private func klines(_ request: Request) async throws -> Response {
        let (parameters, _, _) = try await FakeRequestParameters.read(request)
        let series = try series(named: try parameters.required("symbol"))
        guard let length = Self.klineIntervals[try parameters.required("interval")] else { throw FakeBinanceError.invalidInterval }
        let limit = Int(min(max(try parameters.integer("limit") ?? 500, 1), 1000))
        let now = clock.now
        let start = try parameters.integer("startTime"), end = try parameters.integer("endTime")
        var bars: [FakeBar]
        if let start {
            bars = Array(series.bars(length: length, from: start, to: end ?? now.epochMilliseconds, now: now).prefix(limit))
        } else {
            let last = end ?? now.epochMilliseconds
            let from = last - Int64(limit) * length * 1000
            bars = Array(series.bars(length: length, from: from, to: last, now: now).suffix(limit))
        }
        bars = bars.filter { end == nil || $0.openTime <= end! }
        return FakeJSON.array(bars.map(FakeBinanceJSON.klineRow)).response()
    }

    /// Checks a SIGNED request; the account is then brought up to the market first, so the answer sees every stop
    /// order the current prices trigger.
    private func signed(_ request: Request) async throws -> FakeRequestParameters {
        let (parameters, rawQuery, rawBody) = try await FakeRequestParameters.read(request)
        try FakeRequestParameters.verifySigned(
            request, parameters: parameters, rawQuery: rawQuery, rawBody: rawBody,
            apiKey: configuration.apiKey, apiSecret: configuration.apiSecret, serverTime: .now
        )
        await triggerStopOrders()
        return parameters
    }

    private func newOrder(_ request: Request) async throws -> Response {
        let parameters = try await signed(request)
        let symbol = try symbol(named: try parameters.required("symbol"))
        let side = try parameters.required("side")
        guard side == "BUY" || side == "SELL" else { throw FakeBinanceError.invalidSide }
        let type = try parameters.required("type")
        guard type == "MARKET" || type == "LIMIT" || FakeOrder.stopTypes.contains(type) else { throw FakeBinanceError.invalidOrderType }
        let orderRequest = FakeOrderRequest(
            symbol: symbol, side: side, type: type, timeInForce: parameters["timeInForce"],
            quantity: try parameters.decimal("quantity"), quoteOrderQuantity: try parameters.decimal("quoteOrderQty"),
            price: try parameters.decimal("price"), stopPrice: try parameters.decimal("stopPrice"), clientOrderId: parameters["newClientOrderId"]
        )
        if FakeOrder.stopTypes.contains(type), orderRequest.stopPrice == nil { throw FakeBinanceError.mandatory("stopPrice") }
        if type != "MARKET" {
            guard let timeInForce = orderRequest.timeInForce else { throw FakeBinanceError.mandatory("timeInForce") }
            guard ["GTC", "IOC", "FOK"].contains(timeInForce) else { throw FakeBinanceError.invalidTimeInForce }
            if orderRequest.quantity == nil { throw FakeBinanceError.mandatory("quantity") }
            if orderRequest.price == nil { throw FakeBinanceError.mandatory("price") }
        } else if orderRequest.quantity == nil, orderRequest.quoteOrderQuantity == nil {
            throw FakeBinanceError(
                status: .badRequest, code: -1102, msg: "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!")
        }
        let responseType = parameters["newOrderRespType"] ?? "FULL"
        guard ["ACK", "RESULT", "FULL"].contains(responseType) else { throw FakeBinanceError.illegal("newOrderRespType") }
        let order = try await place(orderRequest)
        switch await traffic.takeOrderFault() {
        case .serverError(let status, let htmlBody):
            return FakeTrafficMiddleware.serverError(status: status, htmlBody: htmlBody)
        case .delayedAnswer(let delay):
            try? await Task.sleep(for: delay)
        case nil:
            break
        }
        return FakeBinanceJSON.newOrder(order, responseType: responseType).response()
    }

    /// Triggers and fills the stop orders each symbol's current price reaches.
    func triggerStopOrders() async {
        for symbol in configuration.symbols {
            guard let price = price(of: symbol.symbol) else { continue }
            await account.triggerStops(symbol: symbol, price: price, now: Date.now.epochMilliseconds)
        }
    }

    /// Executes a new order at the market's current price.
    func place(_ request: FakeOrderRequest) async throws(FakeBinanceError) -> FakeOrder {
        guard let price = price(of: request.symbol.symbol) else { throw .invalidSymbol }
        return try await account.place(request, marketPrice: price, now: Date.now.epochMilliseconds)
    }

    /// POST /api/v3/orderList/oco: `symbol, side, quantity, listClientOrderId` and per leg (`above…`, `below…`)
    /// `Type, ClientOrderId, Price, StopPrice, TimeInForce`.
    private func newOCO(_ request: Request) async throws -> Response {
        let parameters = try await signed(request)
        let symbol = try symbol(named: try parameters.required("symbol"))
        let side = try parameters.required("side")
        guard side == "BUY" || side == "SELL" else { throw FakeBinanceError.invalidSide }
        guard let quantity = try parameters.decimal("quantity") else { throw FakeBinanceError.mandatory("quantity") }
        func leg(_ name: String) throws -> FakeOCORequest.Leg {
            FakeOCORequest.Leg(
                type: try parameters.required("\(name)Type"), price: try parameters.decimal("\(name)Price"),
                stopPrice: try parameters.decimal("\(name)StopPrice"), timeInForce: parameters["\(name)TimeInForce"],
                clientOrderId: parameters["\(name)ClientOrderId"])
        }
        let oco = FakeOCORequest(
            symbol: symbol, side: side, quantity: quantity, listClientOrderId: parameters["listClientOrderId"], above: try leg("above"),
            below: try leg("below"))
        guard let price = price(of: symbol.symbol) else { throw FakeBinanceError.invalidSymbol }
        let now = Date.now.epochMilliseconds
        let (listId, legs) = try await account.placeOCO(oco, marketPrice: price, now: now)
        let listClientOrderId = await account.listClientOrderIds[listId] ?? ""
        return FakeBinanceJSON.orderList(listId: listId, listClientOrderId: listClientOrderId, legs: legs, transactionTime: now).response()
    }

    /// DELETE /api/v3/orderList: `symbol` and `orderListId` or `listClientOrderId`.
    private func cancelOrderList(_ request: Request) async throws -> Response {
        let parameters = try await signed(request)
        let symbol = try symbol(named: try parameters.required("symbol")).symbol
        let listId = try parameters.integer("orderListId"), listClientOrderId = parameters["listClientOrderId"]
        guard listId != nil || listClientOrderId != nil else {
            throw FakeBinanceError(
                status: .badRequest, code: -1102, msg: "Param 'listClientOrderId' or 'orderListId' must be sent, but both were empty/null!")
        }
        let now = Date.now.epochMilliseconds
        let (id, legs) = try await account.cancelList(symbol: symbol, orderListId: listId, listClientOrderId: listClientOrderId, now: now)
        let clientId = await account.listClientOrderIds[id] ?? ""
        return FakeBinanceJSON.orderList(listId: id, listClientOrderId: clientId, legs: legs, transactionTime: now).response()
    }

    private func queryOrder(_ request: Request) async throws -> Response {
        let parameters = try await signed(request)
        let symbol = try symbol(named: try parameters.required("symbol")).symbol
        let orderId = try parameters.integer("orderId"), clientOrderId = parameters["origClientOrderId"]
        guard orderId != nil || clientOrderId != nil else {
            throw FakeBinanceError(
                status: .badRequest, code: -1102, msg: "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
        }
        let order = try await account.order(symbol: symbol, orderId: orderId, clientOrderId: clientOrderId)
        return FakeBinanceJSON.queriedOrder(order).response()
    }

    private func cancelOrder(_ request: Request) async throws -> Response {
        let parameters = try await signed(request)
        let symbol = try symbol(named: try parameters.required("symbol")).symbol
        let orderId = try parameters.integer("orderId"), clientOrderId = parameters["origClientOrderId"]
        guard orderId != nil || clientOrderId != nil else {
            throw FakeBinanceError(
                status: .badRequest, code: -1102, msg: "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
        }
        let now = Date.now.epochMilliseconds
        let order = try await account.cancel(symbol: symbol, orderId: orderId, clientOrderId: clientOrderId, now: now)
        return FakeBinanceJSON.canceledOrder(order, transactTime: now).response()
    }

    private func openOrders(_ request: Request) async throws -> Response {
        let parameters = try await signed(request)
        let symbol = try parameters["symbol"].map { name throws(FakeBinanceError) in try self.symbol(named: name).symbol }
        return FakeJSON.array(await account.openOrders(symbol: symbol).map(FakeBinanceJSON.queriedOrder)).response()
    }

    /// The combinations Binance allows: symbol alone (the newest), with orderId (and fromId), fromId, startTime and/or
    /// endTime (at most 24 hours apart). Any other is -1128; a limit outside 1…1000 is -1130.
    private func myTrades(_ request: Request) async throws -> Response {
        let parameters = try await signed(request)
        let symbol = try symbol(named: try parameters.required("symbol")).symbol
        let orderId = try parameters.integer("orderId"), fromId = try parameters.integer("fromId")
        let startTime = try parameters.integer("startTime"), endTime = try parameters.integer("endTime")
        let limit = try parameters.integer("limit") ?? 500
        guard (1...1000).contains(limit) else {
            throw FakeBinanceError(status: .badRequest, code: -1130, msg: "Data sent for parameter 'limit' is not valid.")
        }
        let timed = startTime != nil || endTime != nil
        guard !(timed && (orderId != nil || fromId != nil)) else {
            throw FakeBinanceError(status: .badRequest, code: -1128, msg: "Combination of optional parameters invalid.")
        }
        if let startTime, let endTime, endTime - startTime > 86_400_000 || endTime < startTime {
            throw FakeBinanceError(status: .badRequest, code: -1127, msg: "More than 24 hours between startTime and endTime.")
        }
        let trades = await account.trades(symbol: symbol, orderId: orderId, startTime: startTime, endTime: endTime, fromId: fromId, limit: Int(limit))
        return FakeJSON.array(trades.map { FakeBinanceJSON.trade($0.0, $0.1) }).response()
    }

    private func accountInformation(_ request: Request) async throws -> Response {
        _ = try await signed(request)
        await accountRead()
        return FakeBinanceJSON.account(
            balances: await account.balances(), commissionRate: configuration.commissionRate, updateTime: Date.now.epochMilliseconds
        ).response()
    }

    func symbol(named name: String) throws(FakeBinanceError) -> FakeSymbol {
        guard let symbol = configuration.symbols.first(where: { $0.symbol == name }) else { throw .invalidSymbol }
        return symbol
    }

    func series(named name: String) throws(FakeBinanceError) -> FakePriceSeries {
        guard let series = series[name] else { throw .invalidSymbol }
        return series
    }
}
