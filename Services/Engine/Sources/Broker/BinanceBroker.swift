import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonTrading
import Logging

/// Trades on Binance spot with market orders, and rests positions' stop-losses as STOP_LOSS_LIMIT orders. The
/// engine has written each order `new` before `submit`; the broker sends it with the order's client order id as
/// `newClientOrderId` and its quantity rounded down to the symbol's lot step, after checking it against the
/// symbol's filters (a refusal, here or by the exchange, is a rejected order whose reason names the filter), and
/// turns the FULL answer's fills into executions (`BinanceFillConversion`). A resting stop's prices come from the
/// engine already on the tick grid; the exchange works it, and it is asked about every `followUpInterval`.
///
/// An answer that never came — a 5xx, a timeout, a connection lost after sending — leaves the order's fate
/// unknown. The broker then asks for the order by client order id (`origClientOrderId`) at once and, while that
/// fails too, again later with backoff (`outstandingReports`); a "no such order" answer is believed only once the
/// order is `visibilityWindow` old. It never sends a second order for one client order id: not after a lost
/// answer, not after a restart (`restore` asks about every open order instead of sending it).
actor BinanceBroker: Broker {
    nonisolated let name = "binance"
    nonisolated let acceptsOrdersOnRecord = false
    nonisolated let placesRestingStops = true

    private struct SymbolAssets {
        var base: String
        var quote: String
    }

    /// An order to ask about again: its answer was lost, or the exchange still works it.
    private struct OutstandingOrder {
        var order: BrokerOrder
        var workingQuantity: Decimal?
        var failedQueries = 0
        var nextQuery: Date
    }

    private let client: BinanceRESTClient
    private let exchangeInfo: BinanceExchangeInfoCache
    private let takerFeeRate: Decimal
    private let visibilityWindow: TimeInterval
    private let logger: Logger
    private var assets: [String: SymbolAssets] = [:]
    private var outstanding: [String: OutstandingOrder] = [:]
    private var tradeWatch = ExternalTradeWatch()
    private var balanceWatch: BalanceChangeWatch
    /// The balance watch as it was before the last comparison, and the outside trades that comparison found: what
    /// comparing again needs.
    private var lastComparison: (balanceWatch: BalanceChangeWatch, external: [AccountDifference])?
    /// How often an order the exchange still works is asked about.
    static let followUpInterval: TimeInterval = 5

    /// - Parameters:
    ///   - takerFeeRate: values commissions the exchange does not report (orders found by query) or that are in
    ///     a third asset (BNB).
    ///   - visibilityWindow: how long after an order was written "no such order" may still mean "not visible yet".
    ///   - balanceChangeThreshold: the fraction of an asset's balance that, moved outside Keelson between two
    ///     comparisons, is a `balance_change` difference.
    init(
        client: BinanceRESTClient, takerFeeRate: Decimal, visibilityWindow: TimeInterval = 30, balanceChangeThreshold: Decimal = 0.05,
        logger: Logger
    ) {
        self.client = client
        self.balanceWatch = BalanceChangeWatch(threshold: balanceChangeThreshold)
        self.exchangeInfo = BinanceExchangeInfoCache(client: client)
        self.takerFeeRate = takerFeeRate
        self.visibilityWindow = visibilityWindow
        self.logger = logger
    }

    // MARK: Orders

    func submit(_ order: BrokerOrder) async throws -> BrokerOrderReport {
        let id = order.clientOrderID
        // Already sent once (its answer was lost, or it still works): asked about, never sent again.
        if outstanding[id] != nil { return try await query(id).report }
        let conversion: BinanceFillConversion
        do {
            conversion = try await self.conversion(for: order.symbol)
        } catch let error as BinanceError {
            return rejected(id, "not sent: \(order.symbol)'s filters could not be read from Binance (\(error))")
        }
        let stop = order.restingStop
        let quantity = conversion.filters.roundQuantityDown(order.remainingQuantity, forMarketOrder: stop == nil)
        guard quantity > 0 else {
            return rejected(id, "not sent: \(order.remainingQuantity) \(order.symbol) rounds down to 0 at Binance's lot step")
        }
        if let refusal = conversion.filters.rejection(quantity: quantity, price: stop?.limitPrice, marketPrice: order.expectedPrice) {
            return rejected(id, "not sent: \(refusal)")
        }
        let request: BinanceNewOrder =
            if let stop {
                .stopLossLimit(
                    symbol: order.symbol.rawValue, side: order.side.binance, quantity: quantity, stopPrice: stop.stopPrice, price: stop.limitPrice,
                    clientOrderId: id)
            } else {
                .market(symbol: order.symbol.rawValue, side: order.side.binance, quantity: quantity, clientOrderId: id)
            }
        let workingQuantity = quantity == order.remainingQuantity ? nil : order.filledQuantity + quantity
        let started = ContinuousClock.now
        do {
            let answer = try await client.placeOrder(request)
            var report = await report(
                from: answer, order: order, conversion: conversion, latencyMilliseconds: (ContinuousClock.now - started).milliseconds)
            report.workingQuantity = workingQuantity
            trackIfWorking(answer, order: order, workingQuantity: workingQuantity)
            logger.info(
                "order placed on Binance",
                metadata: [
                    "client_order_id": "\(id)", "order_id": "\(answer.orderId)", "status": "\(answer.status.rawValue)", "quantity": "\(quantity)",
                    "executed": "\(answer.executedQty)",
                ])
            return report
        } catch let error as BinanceError {
            guard case .executionStatusUnknown = error else { return rejected(id, Self.rejectionReason(error)) }
            logger.warning(
                "order answer lost; asking Binance for it by client order id", metadata: ["client_order_id": "\(id)", "error": "\(error)"])
            outstanding[id] = OutstandingOrder(order: order, workingQuantity: workingQuantity, nextQuery: .now)
            return try await query(id).report
        }
    }

    func cancel(_ order: BrokerOrder, reason: String) async throws -> BrokerOrderReport {
        let id = order.clientOrderID
        if outstanding[id] == nil { outstanding[id] = OutstandingOrder(order: order, nextQuery: .now) }
        do {
            let conversion = try await conversion(for: order.symbol)
            let answer = try await client.cancelOrder(symbol: order.symbol.rawValue, clientOrderId: id)
            outstanding[id] = nil
            var report = await report(from: answer, order: order, conversion: conversion, latencyMilliseconds: 0)
            if case .ended(.canceled, _) = report.outcome { report.outcome = .ended(.canceled, reason: reason) }
            return report
        } catch let error as BinanceError where error.apiCode == BinanceError.cancelRejectedCode {
            // Not open on the exchange: it ended before the cancel, or never reached it. Its record says which.
            return try await query(id).report
        } catch let error as BinanceError {
            return stillUnknown(id, "the cancel failed: \(error)")
        }
    }

    /// Market orders execute when they are sent; bars fill nothing here.
    func executions(on candle: Candle) async -> [BrokerExecution] { [] }

    func outstandingReports(dueBy: Date) async -> [BrokerOrderReport] {
        var reports: [BrokerOrderReport] = []
        for id in outstanding.keys.sorted() where (outstanding[id]?.nextQuery ?? .distantFuture) <= dueBy {
            guard let report = try? await query(id).report else { break }  // cancelled: the engine is stopping
            if case .unknown = report.outcome { continue }
            reports.append(report)
        }
        return reports
    }

    func confirm(_ execution: BrokerExecution) async {
        guard var entry = outstanding[execution.clientOrderID] else { return }
        let order = entry.order
        let filled = order.filledQuantity + execution.quantity
        entry.order.averageFillPrice = ((order.averageFillPrice ?? 0) * order.filledQuantity + execution.price * execution.quantity) / filled
        entry.order.filledQuantity = filled
        entry.order.fillCount += 1
        outstanding[execution.clientOrderID] = entry
    }

    // MARK: Start-up

    /// Asks for every open order by client order id and reports what became of it; sends none of them.
    func restore(_ orders: [BrokerOrder]) async throws -> [BrokerOrderReport] {
        do {
            try await client.synchronizeClock()
        } catch let error as BinanceError {
            throw BrokerUnavailable(broker: name, detail: error.description)
        }
        var reports: [BrokerOrderReport] = []
        for order in orders {
            outstanding[order.clientOrderID] = OutstandingOrder(order: order, nextQuery: .now)
            let (report, failure) = try await query(order.clientOrderID)
            if let failure { throw BrokerUnavailable(broker: name, detail: "asking for order \(order.clientOrderID): \(failure)") }
            reports.append(report)
        }
        return reports
    }

    /// The account against the books, the trades made outside Keelson since the last comparison, and balances that
    /// moved beyond the threshold. The engine compares serially, so no order is noted while the trade watch is out.
    func compareAccount(with books: AccountBooks) async throws -> [AccountDifference] {
        do {
            let comparison = try await BinanceAccountReconciler(client: client).compare(with: books, queryingWorkingOrders: false)
            var trades = tradeWatch
            let external = try await trades.externalTrades(symbols: books.symbols, client: client)
            tradeWatch = trades
            lastComparison = (balanceWatch, external)
            return comparison.differences + external + balanceWatch.changes(in: comparison.balances)
        } catch let error as BinanceError {
            throw BrokerUnavailable(broker: name, detail: error.description)
        }
    }

    func compareAccountAgain(with books: AccountBooks) async throws -> [AccountDifference] {
        guard let last = lastComparison else { return try await compareAccount(with: books) }
        balanceWatch = last.balanceWatch
        let differences = try await compareAccount(with: books)
        let external = last.external + (lastComparison?.external ?? [])
        lastComparison?.external = external
        return last.external + differences
    }

    /// Each symbol's exchangeInfo filters as sizing rules: PRICE_FILTER's tick, the market order's lot step and
    /// minimum (MARKET_LOT_SIZE where it sets them, else LOT_SIZE), and the minimum notional that applies to market
    /// orders (NOTIONAL, else MIN_NOTIONAL). A rule the exchange disables (0) keeps the default's. Also learns each
    /// symbol's assets, so the first order needs no exchangeInfo request of its own.
    func symbolRules(for symbols: [Symbol]) async throws -> [Symbol: SymbolRules] {
        var rules: [Symbol: SymbolRules] = [:]
        do {
            for symbol in symbols {
                rules[symbol] = Self.rules(from: try await conversion(for: symbol).filters)
            }
        } catch let error as BinanceError {
            throw BrokerUnavailable(broker: name, detail: error.description)
        }
        return rules
    }

    static func rules(from filters: BinanceSymbolFilters) -> SymbolRules {
        let fallback = SymbolRules.defaultSpot
        func set(_ value: Decimal?) -> Decimal? { value.flatMap { $0 > 0 ? $0 : nil } }
        let step = set(filters.marketLotSize?.stepSize) ?? set(filters.lotSize?.stepSize) ?? fallback.stepSize
        let minimum = max(set(filters.marketLotSize?.minQty) ?? 0, set(filters.lotSize?.minQty) ?? 0)
        let notional: Decimal? =
            if let notional = filters.notional { notional.applyMinToMarket ? notional.minNotional : 0 } else if let old = filters.minNotional {
                old.applyToMarket ? old.minNotional : 0
            } else { nil }
        return SymbolRules(
            tickSize: set(filters.price?.tickSize) ?? fallback.tickSize, stepSize: step, minQuantity: minimum > 0 ? minimum : step,
            minNotional: notional ?? fallback.minNotional)
    }

    func reset() async {
        outstanding = [:]
        tradeWatch = ExternalTradeWatch()
        balanceWatch = BalanceChangeWatch(threshold: balanceWatch.threshold)
        lastComparison = nil
    }

    // MARK: Asking the exchange

    /// Asks for an outstanding order by client order id. `failure` is set when the exchange could not be asked
    /// (the report is then `.unknown` and the next query is scheduled with backoff). Throws only when cancelled.
    private func query(_ id: String) async throws(CancellationError) -> (report: BrokerOrderReport, failure: BinanceError?) {
        guard let entry = outstanding[id] else {
            return (BrokerOrderReport(clientOrderID: id, outcome: .unknown(reason: "the broker does not track order \(id)")), nil)
        }
        let order = entry.order
        do {
            let conversion = try await conversion(for: order.symbol)
            let answer = try await client.order(symbol: order.symbol.rawValue, clientOrderId: id)
            // The engine may have confirmed executions while this query was under way: use the latest record.
            let current = outstanding[id]?.order ?? order
            var report = await report(from: answer, order: current, conversion: conversion, latencyMilliseconds: 0)
            report.workingQuantity = outstanding[id]?.workingQuantity
            outstanding[id] = nil
            trackIfWorking(answer, order: current, workingQuantity: report.workingQuantity)
            logger.info(
                "order found on Binance by client order id",
                metadata: [
                    "client_order_id": "\(id)", "status": "\(answer.status.rawValue)", "executed": "\(answer.executedQty)",
                ])
            return (report, nil)
        } catch let error as BinanceError where error.apiCode == BinanceError.noSuchOrderCode {
            let age = Date.now.timeIntervalSince(order.placedAt)
            guard age >= visibilityWindow else { return (stillUnknown(id, "Binance does not show order \(id) yet"), nil) }
            outstanding[id] = nil
            return (
                rejected(
                    id, "Binance has no order \(id) \(Int(age)) s after it was written: it never reached the exchange, and it is not sent again"), nil
            )
        } catch let error as BinanceError {
            return (stillUnknown(id, error.description), error)
        } catch {
            throw CancellationError()  // the client throws BinanceError or CancellationError
        }
    }

    private func stillUnknown(_ id: String, _ detail: String) -> BrokerOrderReport {
        if var entry = outstanding[id] {
            entry.failedQueries += 1
            entry.nextQuery = Date.now.addingTimeInterval(min(60, pow(2, Double(entry.failedQueries - 1))))
            outstanding[id] = entry
            logger.warning(
                "order status still unknown; asking again later",
                metadata: [
                    "client_order_id": "\(id)", "detail": "\(detail)", "retry_at": "\(entry.nextQuery.formatted(.iso8601))",
                ])
        }
        return BrokerOrderReport(
            clientOrderID: id,
            outcome: .unknown(reason: "status unknown (\(detail)); it is asked for by client order id until known, never sent twice"))
    }

    private func rejected(_ id: String, _ reason: String) -> BrokerOrderReport {
        logger.warning("order rejected", metadata: ["client_order_id": "\(id)", "reason": "\(reason)"])
        return BrokerOrderReport(clientOrderID: id, outcome: .rejected(reason: reason))
    }

    /// An order still working on the exchange is asked about again until it ends.
    private func trackIfWorking(_ answer: BinanceOrder, order: BrokerOrder, workingQuantity: Decimal?) {
        guard !answer.status.isFinal else { return }
        outstanding[order.clientOrderID] = OutstandingOrder(
            order: order, workingQuantity: workingQuantity, nextQuery: Date.now.addingTimeInterval(Self.followUpInterval)
        )
    }

    /// What an answer about `order` says: its executions beyond what the engine recorded, and how it stands.
    private func report(from answer: BinanceOrder, order: BrokerOrder, conversion: BinanceFillConversion, latencyMilliseconds: Double) async
        -> BrokerOrderReport
    {
        tradeWatch.noteKeelsonOrder(answer.orderId)
        let time = answer.transactTime ?? answer.updateTime ?? .now
        let executions =
            answer.fills.isEmpty
            ? await executionsByTrades(of: answer, order: order, conversion: conversion, time: time)
            : answer.fills.map { conversion.execution(of: $0, order: order, time: time, latencyMilliseconds: latencyMilliseconds) }
        let executed = "\(answer.executedQty) of \(answer.origQty) executed"
        let outcome: BrokerOrderReport.Outcome =
            switch answer.status {
            case .new, .pendingNew, .partiallyFilled, .filled: .accepted
            case .canceled: .ended(.canceled, reason: "Binance canceled the order with \(executed)")
            case .expired, .expiredInMatch: .ended(.expired, reason: "Binance expired the order (\(answer.status.rawValue)) with \(executed)")
            case .rejected: .rejected(reason: "Binance rejected the order (status REJECTED)")
            }
        return BrokerOrderReport(
            clientOrderID: order.clientOrderID, outcome: outcome, executions: executions, exchangeOrderID: String(answer.orderId))
    }

    /// What an answer without fills (a query, a cancel) executed beyond the record, from the order's trades with the
    /// commission really charged; estimated only while the trades cannot be read or do not add up yet.
    private func executionsByTrades(of answer: BinanceOrder, order: BrokerOrder, conversion: BinanceFillConversion, time: Date) async
        -> [BrokerExecution]
    {
        let missing = answer.executedQty - order.filledQuantity
        guard missing > 0 else { return [] }
        do {
            let trades = try await client.myTrades(symbol: order.symbol.rawValue, orderId: answer.orderId, limit: 1000)
            let executions = conversion.executions(of: trades, beyondRecordedOf: order)
            if executions.reduce(Decimal(0), { $0 + $1.quantity }) == missing { return executions }
            logger.warning(
                "the order's trades do not add up to what it executed yet; its commission is estimated",
                metadata: ["client_order_id": "\(order.clientOrderID)", "executed": "\(answer.executedQty)", "trades": "\(trades.count)"])
        } catch {
            logger.warning(
                "the order's trades could not be read; its commission is estimated",
                metadata: ["client_order_id": "\(order.clientOrderID)", "error": "\(error)"])
        }
        return conversion.executionBeyondRecorded(in: answer, order: order, time: time).map { [$0] } ?? []
    }

    /// The symbol's filters (shared cache, refreshed hourly) and its assets (fetched once).
    private func conversion(for symbol: Symbol) async throws -> BinanceFillConversion {
        let name = symbol.rawValue
        let filters = try await exchangeInfo.filters(for: name)
        let known: SymbolAssets
        if let cached = assets[name] {
            known = cached
        } else {
            guard let info = try await client.exchangeInfo(symbols: [name]).symbols.first(where: { $0.symbol == name }) else {
                throw BinanceError.invalidRequest("the exchange lists no symbol \(name)")
            }
            known = SymbolAssets(base: info.baseAsset, quote: info.quoteAsset)
            assets[name] = known
        }
        return BinanceFillConversion(baseAsset: known.base, quoteAsset: known.quote, filters: filters, takerFeeRate: takerFeeRate)
    }

    static func rejectionReason(_ error: BinanceError) -> String {
        switch error {
        case .api(let code, let msg, _): "Binance refused the order (code \(code)): \(msg)"
        default: "not sent: \(error)"
        }
    }
}

extension TradeSide {
    var binance: BinanceOrderSide { self == .buy ? .buy : .sell }
}
