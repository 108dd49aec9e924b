import Foundation
import KeelsonExchanges
import KeelsonFakeExchange
import Testing

@Suite("Binance orders and the account against the fake exchange")
struct BinanceOrderTests {
    @Test("a MARKET buy and sell round trip: FULL answers with fills, commission in base then quote, balances updated")
    func marketRoundTrip() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http)
            let price = try #require(exchange.price(of: "BTCUSDT"))
            let before = try await client.account()
            #expect(before.canTrade && before.accountType == "SPOT")

            let buy = try await client.placeOrder(
                .market(symbol: "BTCUSDT", side: .buy, quantity: Decimal("0.00340"), clientOrderId: "signal-42-entry"))
            #expect(buy.status == .filled && buy.type == .market && buy.side == .buy)
            #expect(buy.clientOrderId == "signal-42-entry")
            #expect(buy.executedQty == Decimal("0.0034") && buy.origQty == Decimal("0.0034"))
            let buyFill = try #require(buy.fills.first)
            #expect(buy.fills.count == 1)
            #expect(buyFill.price == price && buyFill.qty == Decimal("0.0034"))
            #expect(buyFill.commission == Decimal("0.0000034") && buyFill.commissionAsset == "BTC")
            #expect(buy.cumulativeQuoteQty == Decimal("0.0034") * price)
            #expect(buy.transactTime != nil)

            let afterBuy = try await client.account()
            #expect(afterBuy.free("BTC") == before.free("BTC") + Decimal("0.0034") - Decimal("0.0000034"))
            #expect(afterBuy.free("USDT") == before.free("USDT") - buy.cumulativeQuoteQty)

            let sell = try await client.placeOrder(
                .market(symbol: "BTCUSDT", side: .sell, quantity: Decimal("0.003"), clientOrderId: "signal-42-exit"))
            let sellFill = try #require(sell.fills.first)
            #expect(sellFill.commissionAsset == "USDT")
            #expect(sellFill.commission == (sell.cumulativeQuoteQty * Decimal("0.001")).roundedTo8)
            let afterSell = try await client.account()
            #expect(afterSell.free("USDT") == afterBuy.free("USDT") + sell.cumulativeQuoteQty - sellFill.commission)

            let queried = try await client.order(symbol: "BTCUSDT", clientOrderId: "signal-42-entry")
            #expect(queried.orderId == buy.orderId && queried.status == .filled && queried.executedQty == buy.executedQty)
            #expect(try await client.order(symbol: "BTCUSDT", orderId: sell.orderId).clientOrderId == "signal-42-exit")
        }
    }

    @Test("filters: quantity rounded down to the step, price to the tick, and a -1013 refusal names the filter")
    func filterRoundingAndRejection() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http)
            let cache = BinanceExchangeInfoCache(client: client)
            let filters = try await cache.filters(for: "BTCUSDT")
            #expect(filters.roundQuantityDown(Decimal("0.0012345")) == Decimal("0.00123"))
            #expect(filters.roundQuantityDown(Decimal("0.00001999")) == Decimal("0.00001"))
            #expect(filters.roundPrice(Decimal("60000.129")) == Decimal("60000.12"))
            #expect(filters.roundPrice(Decimal("60000.121"), .up) == Decimal("60000.13"))
            let price = try #require(exchange.price(of: "BTCUSDT"))

            #expect(filters.rejection(quantity: Decimal("0.00123"), price: nil, marketPrice: price) == nil)
            #expect(filters.rejection(quantity: Decimal("0.0012345"), price: nil)?.filter == .lotSize)
            #expect(filters.rejection(quantity: Decimal("0.00001"), price: nil, marketPrice: price)?.filter == .notional)
            #expect(filters.rejection(quantity: Decimal("0.001"), price: Decimal("60000.001"))?.filter == .priceFilter)
            #expect(filters.rejection(quantity: Decimal("10000"), price: Decimal("60000"))?.filter == .lotSize)
            let rejection = try #require(filters.rejection(quantity: Decimal("0.00001"), price: Decimal("100")))
            #expect(rejection.description.contains("NOTIONAL"))

            for (order, filter) in [
                (
                    BinanceNewOrder.market(symbol: "BTCUSDT", side: .buy, quantity: Decimal("0.0012345"), clientOrderId: "lot"),
                    BinanceFilterRejection.Filter.lotSize
                ),
                (.limit(symbol: "BTCUSDT", side: .buy, quantity: Decimal("0.001"), price: Decimal("50000.005"), clientOrderId: "tick"), .priceFilter),
                (.market(symbol: "BTCUSDT", side: .buy, quantity: Decimal("0.00001"), clientOrderId: "notional"), .notional),
            ] {
                do {
                    _ = try await client.placeOrder(order)
                    Issue.record("\(order.clientOrderId) was accepted")
                } catch let error as BinanceError {
                    #expect(error.apiCode == -1013)
                    #expect(error.rejectedFilter == filter)
                    #expect(error.description.contains("Filter failure: \(filter.rawValue)"))
                }
            }
            let rounded = try await client.placeOrder(
                .market(symbol: "BTCUSDT", side: .buy, quantity: filters.roundQuantityDown(Decimal("0.0012345")), clientOrderId: "rounded"))
            #expect(rounded.executedQty == Decimal("0.00123"))
        }
    }

    @Test("signed requests: a wrong secret is -1022, an unknown key -2015, a timestamp outside recvWindow -1021 until the clock is synchronized")
    func signatureAndTimestamp() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let wrongSecret = FakeExchangeHarness.client(
                baseURL, http, credentials: BinanceCredentials(apiKey: FakeExchangeConfiguration.exampleAPIKey, secret: "not-the-secret"))
            await #expect(throws: BinanceError.api(code: -1022, msg: "Signature for this request is not valid.", status: 400)) {
                _ = try await wrongSecret.account()
            }
            let wrongKey = FakeExchangeHarness.client(
                baseURL, http, credentials: BinanceCredentials(apiKey: "someone-else", secret: FakeExchangeConfiguration.exampleAPISecret))
            await #expect(throws: BinanceError.api(code: -2015, msg: "Invalid API-key, IP, or permissions for action.", status: 401)) {
                _ = try await wrongKey.account()
            }
            let late = FakeExchangeHarness.client(baseURL, http, now: { Date.now.addingTimeInterval(-10) })
            await #expect(throws: BinanceError.api(code: -1021, msg: "Timestamp for this request is outside of the recvWindow.", status: 400)) {
                _ = try await late.account()
            }
            let early = FakeExchangeHarness.client(baseURL, http, now: { Date.now.addingTimeInterval(5) })
            do {
                _ = try await early.account()
                Issue.record("a timestamp 5 s ahead was accepted")
            } catch let error as BinanceError {
                #expect(error.apiCode == -1021)
            }
            let offset = try await late.synchronizeClock()
            #expect(abs(offset - 10) < 2)
            #expect(try await late.account().canTrade)

            let unsigned = FakeExchangeHarness.client(baseURL, http, credentials: nil)
            await #expect(throws: BinanceError.missingCredentials) { _ = try await unsigned.account() }
            // The fake saw the key header on signed requests only, and never the secret.
            let requests = await exchange.receivedRequests()
            #expect(
                requests.filter { $0.path == "/api/v3/account" }.allSatisfy {
                    $0.hasAPIKey && $0.query.contains("signature=") && $0.query.contains("recvWindow=5000")
                })
            #expect(!requests.contains { $0.query.contains(FakeExchangeConfiguration.exampleAPISecret) })
        }
    }

    @Test("LIMIT orders rest as NEW, a duplicate client order id is refused, cancel and fill while the client is away")
    func limitOrders() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http)
            let resting = try await client.placeOrder(
                .limit(symbol: "BTCUSDT", side: .buy, quantity: Decimal("0.01"), price: Decimal("50000"), clientOrderId: "limit-1"))
            #expect(resting.status == .new && resting.executedQty == 0 && resting.fills.isEmpty && resting.price == 50_000)
            #expect(try await client.account().balances.first { $0.asset == "USDT" }?.locked == 500)
            await #expect(throws: BinanceError.api(code: -2010, msg: "Duplicate order sent.", status: 400)) {
                _ = try await client.placeOrder(
                    .limit(symbol: "BTCUSDT", side: .buy, quantity: Decimal("0.01"), price: Decimal("50000"), clientOrderId: "limit-1"))
            }
            _ = try await client.placeOrder(
                .limit(symbol: "BTCUSDT", side: .sell, quantity: Decimal("0.01"), price: Decimal("90000"), clientOrderId: "limit-2"))
            #expect(try await client.openOrders(symbol: "BTCUSDT").map(\.clientOrderId) == ["limit-1", "limit-2"])
            #expect(try await client.openOrders().count == 2)

            let canceled = try await client.cancelOrder(symbol: "BTCUSDT", clientOrderId: "limit-2")
            #expect(canceled.status == .canceled && canceled.origClientOrderId == "limit-2")
            await #expect(throws: BinanceError.api(code: -2011, msg: "Unknown order sent.", status: 400)) {
                _ = try await client.cancelOrder(symbol: "BTCUSDT", clientOrderId: "limit-2")
            }

            // The market reaches the limit while the client is away; it finds the fill by querying.
            _ = try await exchange.fillOrder(symbol: "BTCUSDT", clientOrderId: "limit-1")
            let filled = try await client.order(symbol: "BTCUSDT", clientOrderId: "limit-1")
            #expect(filled.status == .filled && filled.executedQty == Decimal("0.01") && filled.cumulativeQuoteQty == 500)
            #expect(try await client.openOrders(symbol: "BTCUSDT").isEmpty)
            let account = try await client.account()
            #expect(account.balances.first { $0.asset == "USDT" }?.locked == 0)
            #expect(account.free("BTC") == 1 + Decimal("0.01") - Decimal("0.00001"))

            // An order executed without any answer reaching the client.
            _ = try await exchange.executeOrder(symbol: "BTCUSDT", side: "SELL", quantity: Decimal("0.002"), clientOrderId: "lost-answer")
            #expect(try await client.order(symbol: "BTCUSDT", clientOrderId: "lost-answer").status == .filled)
            await #expect(throws: BinanceError.api(code: -2013, msg: "Order does not exist.", status: 400)) {
                _ = try await client.order(symbol: "BTCUSDT", clientOrderId: "never-sent")
            }
        }
    }

    @Test("myTrades: one order's trades (weight 5), from an id, in a time range, the newest; what Binance refuses is refused")
    func myTrades() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http)
            let buy = try await client.placeOrder(.market(symbol: "BTCUSDT", side: .buy, quantity: Decimal("0.01"), clientOrderId: "t-1"))
            _ = try await client.placeOrder(
                .limit(symbol: "BTCUSDT", side: .sell, quantity: Decimal("0.004"), price: Decimal("90000"), clientOrderId: "t-2"))
            _ = try await exchange.fillOrder(symbol: "BTCUSDT", clientOrderId: "t-2")
            let sell = try await client.placeOrder(.market(symbol: "BTCUSDT", side: .sell, quantity: Decimal("0.005"), clientOrderId: "t-3"))

            let all = try await client.myTrades(symbol: "BTCUSDT")
            #expect(all.count == 3)
            #expect(all.map(\.id) == all.map(\.id).sorted(), "oldest first")
            let first = try #require(all.first)
            let fill = try #require(buy.fills.first)
            #expect(first.id == fill.tradeId && first.orderId == buy.orderId && first.orderListId == -1)
            #expect(first.price == fill.price && first.qty == fill.qty && first.quoteQty == fill.price * fill.qty)
            #expect(first.commission == fill.commission && first.commissionAsset == "BTC")
            #expect(first.isBuyer && !first.isMaker && first.isBestMatch)
            #expect(all[1].isMaker && !all[1].isBuyer && all[1].commissionAsset == "USDT", "the resting LIMIT was the maker")

            let weightBefore = await exchange.usedWeight()
            let ofSell = try await client.myTrades(symbol: "BTCUSDT", orderId: sell.orderId)
            let weightAfter = await exchange.usedWeight()
            #expect(weightAfter - weightBefore == 5 || weightAfter == 5, "one order's trades weigh 5 (a new minute may start between)")
            #expect(ofSell.map(\.id) == sell.fills.map(\.tradeId))
            #expect(try await client.myTrades(symbol: "BTCUSDT", fromId: all[1].id).map(\.id) == [all[1].id, all[2].id])
            #expect(try await client.myTrades(symbol: "BTCUSDT", limit: 1).map(\.id) == [all[2].id], "the newest")
            let window = try await client.myTrades(
                symbol: "BTCUSDT", startTime: first.time.addingTimeInterval(-60), endTime: first.time.addingTimeInterval(3600))
            #expect(window.count == 3)
            #expect(try await client.myTrades(symbol: "ETHUSDT").isEmpty)

            await #expect(throws: BinanceError.api(code: -1128, msg: "Combination of optional parameters invalid.", status: 400)) {
                _ = try await client.myTrades(symbol: "BTCUSDT", orderId: buy.orderId, startTime: first.time)
            }
            await #expect(throws: BinanceError.api(code: -1127, msg: "More than 24 hours between startTime and endTime.", status: 400)) {
                _ = try await client.myTrades(symbol: "BTCUSDT", startTime: first.time, endTime: first.time.addingTimeInterval(86_401))
            }
            await #expect(throws: BinanceError.api(code: -1130, msg: "Data sent for parameter 'limit' is not valid.", status: 400)) {
                _ = try await client.myTrades(symbol: "BTCUSDT", limit: 1001)
            }
        }
    }

    @Test("stop orders rest with their funds locked until the market reaches the stop, then trade as limits: at once, or later at the limit")
    func stopOrders() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http)
            await exchange.setTradingPrice(60_000, of: "BTCUSDT")
            await #expect(throws: BinanceError.api(code: -2010, msg: "Stop price would trigger immediately.", status: 400)) {
                _ = try await client.placeOrder(
                    .stopLossLimit(symbol: "BTCUSDT", side: .sell, quantity: Decimal("0.1"), stopPrice: 61_000, price: 60_900, clientOrderId: "s-0"))
            }
            let stop = try await client.placeOrder(
                .stopLossLimit(symbol: "BTCUSDT", side: .sell, quantity: Decimal("0.1"), stopPrice: 58_000, price: 57_700, clientOrderId: "s-1"))
            #expect(stop.status == .new && stop.type == .stopLossLimit && stop.stopPrice == 58_000 && stop.price == 57_700)
            let gapped = try await client.placeOrder(
                .stopLossLimit(symbol: "BTCUSDT", side: .sell, quantity: Decimal("0.2"), stopPrice: 57_000, price: 56_900, clientOrderId: "s-2"))
            let target = try await client.placeOrder(
                BinanceNewOrder(
                    symbol: "BTCUSDT", side: .sell, type: .takeProfitLimit, quantity: Decimal("0.3"), price: 65_000, stopPrice: 65_000,
                    clientOrderId: "t-1"))
            #expect(try await client.account().balances.first { $0.asset == "BTC" }?.locked == Decimal("0.6"))
            let open = try await client.openOrders(symbol: "BTCUSDT")
            #expect(open.map(\.clientOrderId) == ["s-1", "s-2", "t-1"] && open.map(\.stopPrice) == [58_000, 57_000, 65_000])

            // 57,900 reaches the first stop and trades against its 57,700 limit at once, at the market price.
            await exchange.setTradingPrice(57_900, of: "BTCUSDT")
            let fired = try await client.order(symbol: "BTCUSDT", clientOrderId: "s-1")
            #expect(fired.status == .filled && fired.executedQty == Decimal("0.1") && fired.cumulativeQuoteQty == 5_790)
            let firedTrade = try #require(try await client.myTrades(symbol: "BTCUSDT", orderId: fired.orderId).first)
            #expect(firedTrade.price == 57_900 && !firedTrade.isMaker && firedTrade.commission == Decimal("5.79"))
            #expect(try await client.order(symbol: "BTCUSDT", clientOrderId: "s-2").status == .new, "57,900 is above the second stop")

            // A gap to 56,000 triggers the second stop below its limit: it rests, then fills at 56,900 when the price comes back.
            await exchange.setTradingPrice(56_000, of: "BTCUSDT")
            #expect(try await client.order(symbol: "BTCUSDT", clientOrderId: "s-2").status == .new)
            await exchange.setTradingPrice(57_100, of: "BTCUSDT")
            let late = try await client.order(symbol: "BTCUSDT", clientOrderId: "s-2")
            #expect(late.status == .filled && late.cumulativeQuoteQty == Decimal("11380"))
            #expect(try await client.myTrades(symbol: "BTCUSDT", orderId: late.orderId).first?.isMaker == true)

            // The take-profit triggers on the way up; a cancel of a filled stop is -2011.
            await exchange.setTradingPrice(65_200, of: "BTCUSDT")
            #expect(try await client.order(symbol: "BTCUSDT", clientOrderId: "t-1").status == .filled)
            await #expect(throws: BinanceError.api(code: -2011, msg: "Unknown order sent.", status: 400)) {
                _ = try await client.cancelOrder(symbol: "BTCUSDT", clientOrderId: "s-1")
            }
            #expect(try await client.account().balances.first { $0.asset == "BTC" }?.locked == 0)
            #expect(try await client.openOrders().isEmpty)
        }
    }

    @Test("an OCO list: both legs rest on one lock; the take-profit's fill expires the stop, the stop's fill the take-profit; a cancel ends both")
    func ocoLists() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http)
            await exchange.setTradingPrice(60_000, of: "BTCUSDT")
            func oco(_ name: String, above: Decimal = 62_000) -> BinanceNewOCO {
                BinanceNewOCO(
                    symbol: "BTCUSDT", side: .sell, quantity: Decimal("0.1"), listClientOrderId: name,
                    above: .init(type: .limitMaker, price: above, clientOrderId: "\(name)-tp"),
                    below: .init(type: .stopLossLimit, price: 57_700, stopPrice: 58_000, clientOrderId: "\(name)-sl"))
            }
            await #expect(throws: BinanceError.api(code: -2010, msg: "The relationship of the prices for the orders is not correct.", status: 400)) {
                _ = try await client.placeOrderList(oco("bad", above: 59_000))
            }
            let first = try await client.placeOrderList(oco("first"))
            #expect(first.contingencyType == "OCO" && first.listStatusType == "EXEC_STARTED" && first.listClientOrderId == "first")
            #expect(first.orderReports.map(\.type) == [.stopLossLimit, .limitMaker])
            #expect(first.orderReports.allSatisfy { $0.orderListId == first.orderListId && $0.status == .new })
            #expect(try await client.openOrders(symbol: "BTCUSDT").map(\.clientOrderId) == ["first-sl", "first-tp"])
            #expect(try await client.account().balances.first { $0.asset == "BTC" }?.locked == Decimal("0.1"), "one lock for both legs")

            // The market reaches the take-profit: it fills at its price as the maker, and the stop expires.
            await exchange.setTradingPrice(62_100, of: "BTCUSDT")
            let target = try await client.order(symbol: "BTCUSDT", clientOrderId: "first-tp")
            #expect(target.status == .filled && target.cumulativeQuoteQty == 6_200)
            #expect(try await client.myTrades(symbol: "BTCUSDT", orderId: target.orderId).first?.isMaker == true)
            #expect(try await client.order(symbol: "BTCUSDT", clientOrderId: "first-sl").status == .expired)
            #expect(try await client.account().balances.first { $0.asset == "BTC" }?.locked == 0)

            // The next one is stopped out at the market, below its stop and above its limit; the take-profit expires.
            await exchange.setTradingPrice(60_000, of: "BTCUSDT")
            _ = try await client.placeOrderList(oco("second"))
            await exchange.setTradingPrice(57_900, of: "BTCUSDT")
            #expect(try await client.order(symbol: "BTCUSDT", clientOrderId: "second-sl").status == .filled)
            #expect(try await client.order(symbol: "BTCUSDT", clientOrderId: "second-tp").status == .expired)

            // A canceled list ends both legs; canceling it again is -2011.
            await exchange.setTradingPrice(60_000, of: "BTCUSDT")
            _ = try await client.placeOrderList(oco("third"))
            let canceled = try await client.cancelOrderList(symbol: "BTCUSDT", listClientOrderId: "third")
            #expect(canceled.listStatusType == "ALL_DONE" && canceled.orderReports.map(\.status) == [.canceled, .canceled])
            await #expect(throws: BinanceError.api(code: -2011, msg: "Unknown order list sent.", status: 400)) {
                _ = try await client.cancelOrderList(symbol: "BTCUSDT", listClientOrderId: "third")
            }
            #expect(try await client.openOrders().isEmpty)
            #expect(try await client.account().balances.first { $0.asset == "BTC" }?.locked == 0)
        }
    }

    @Test("an order larger than the balance is refused with -2010")
    func insufficientBalance() async throws {
        try await FakeExchangeHarness.run { _, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http)
            await #expect(throws: BinanceError.api(code: -2010, msg: "Account has insufficient balance for requested action.", status: 400)) {
                _ = try await client.placeOrder(.market(symbol: "BTCUSDT", side: .buy, quantity: 100, clientOrderId: "too-big"))
            }
            await #expect(throws: BinanceError.self) {
                _ = try await client.placeOrder(.market(symbol: "BTCUSDT", side: .buy, quantity: Decimal("0.001"), clientOrderId: "has spaces"))
            }
        }
    }
}

extension Decimal {
    var roundedTo8: Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, 8, .down)
        return result
    }
}
