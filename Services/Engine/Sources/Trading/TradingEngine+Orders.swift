import Foundation
import KeelsonDomain
import KeelsonPersistence
import KeelsonTrading
import Logging

extension TradingEngine {
    /// Sends an order and settles what the broker answers. A broker whose acceptance is the row (paper) has the
    /// order `submitted` before it hears of it; an exchange's order stays `new` until the exchange has answered.
    func send(_ order: OrderRecord, immediateFill: (price: Decimal, bar: Candle)?) async throws {
        var current = order
        if current.status == .new, broker.acceptsOrdersOnRecord {
            current = try await store.transition(current, to: .submitted, broker: broker.name, reason: nil, fence: try requireFence())
            metrics.orderTransition(.submitted)
            openOrders[current.clientOrderID] = current
        }
        try await settle(try await broker.submit(brokerOrder(current, immediateFill: immediateFill)))
        updateOrderMetrics()
    }

    /// Records what the broker says of an order: that it holds it (`new` → `submitted`, with the exchange's id
    /// and the quantity it works), its executions, then how it ended. A rejection and an unknown outcome are
    /// also risk events, for the operator.
    func settle(_ report: BrokerOrderReport) async throws {
        guard var order = openOrders[report.clientOrderID] else {
            for execution in report.executions { try await apply(execution) }  // logged as unknown there
            return
        }
        if order.status == .new, report.brokerHeldOrder {
            order = try await store.transition(
                order, to: .submitted, broker: broker.name, reason: nil, exchangeOrderID: report.exchangeOrderID,
                workingQuantity: report.workingQuantity,
                fence: try requireFence()
            )
            metrics.orderTransition(.submitted)
            openOrders[order.clientOrderID] = order
        }
        for execution in report.executions { try await apply(execution) }
        guard let current = openOrders[report.clientOrderID] else { return }
        switch report.outcome {
        case .accepted:
            break
        case .ended(let status, let reason):
            try await end(current, as: status, reason: reason)
        case .rejected(let reason):
            // A working order the exchange turns out not to know can no longer be "rejected": it is canceled.
            let status: OrderStatus = OrderStateMachine.allowedTransitions(from: current.status).contains(.rejected) ? .rejected : .canceled
            try await end(current, as: status, reason: reason)
            try await recordOrderEvent("order_rejected", current, reason)
        case .unknown(let reason):
            logger.warning("order status unknown", metadata: ["client_order_id": "\(current.clientOrderID)", "reason": "\(reason)"])
            try await recordOrderEvent("order_status_unknown", current, reason)
        }
    }

    func recordOrderEvent(_ kind: String, _ order: OrderRecord, _ reason: String) async throws {
        guard let session else { return }
        try await store.recordRiskEvent(
            kind: kind, symbol: order.symbol, reason: "order \(order.clientOrderID): \(reason)",
            detail: ["client_order_id": order.clientOrderID, "broker": broker.name], sessionID: session.id
        )
    }

    func end(_ order: OrderRecord, as status: OrderStatus, reason: String) async throws {
        _ = try await store.transition(order, to: status, broker: broker.name, reason: reason, fence: try requireFence())
        metrics.orderTransition(status)
        openOrders[order.clientOrderID] = nil
        logger.info("order ended", metadata: ["client_order_id": "\(order.clientOrderID)", "status": "\(status.rawValue)", "reason": "\(reason)"])
    }

    /// Cancels a working order at the broker and settles how it really ended: canceled, filled first, or — when
    /// the broker cannot tell — still working until it can.
    func cancel(_ order: OrderRecord, reason: String) async throws {
        try await settle(try await broker.cancel(brokerOrder(order), reason: reason))
    }

    func brokerOrder(_ order: OrderRecord, immediateFill: (price: Decimal, bar: Candle)? = nil) -> BrokerOrder {
        BrokerOrder(
            clientOrderID: order.clientOrderID, symbol: order.symbol, side: order.side, quantity: order.quantity, cause: order.cause,
            filledQuantity: order.filledQuantity,
            averageFillPrice: order.averageFillPrice, expectedPrice: order.expectedPrice, decidedAfterBar: order.decidedAfterBar,
            placedAt: order.createdAt,
            fillCount: order.fillCount, lastFillBar: order.lastFillBar, immediateFill: immediateFill, restingStop: order.restingStop
        )
    }

    /// Writes and sends the order that closes `symbol`'s position. Returns the fills it made at once.
    ///
    /// The exit, the cancel request on the entries still working and the attempt counter are one write, so a crash
    /// right after it can neither leave an entry buying against the exit nor reuse the exit's id.
    @discardableResult
    func exit(_ symbol: Symbol, cause: OrderCause, expectedPrice: Decimal?, immediateFill: (price: Decimal, bar: Candle)?, decidedAfterBar: Date)
        async throws -> Int
    {
        let reason = "exit: \(cause.rawValue)"
        let before = fillsRecorded
        guard kernel.positions[symbol] != nil, try await clearRestingStop(for: symbol, reason: reason) else { return fillsRecorded - before }
        guard let session, let position = kernel.positions[symbol] else { return fillsRecorded - before }  // the stop fired first
        let written = try await store.recordExit(
            ExitRequest(
                symbol: symbol, entryOrderID: position.entryOrderID, attempt: position.exitAttempts, quantity: position.quantity, cause: cause,
                decidedAfterBar: decidedAfterBar, expectedPrice: expectedPrice, cancelReason: reason
            ), sessionID: session.id, fence: try requireFence()
        )
        kernel.positions[symbol]?.exitAttempts = written.attempt + 1
        if !written.skipped.isEmpty {
            logger.warning(
                "exit ids used before were skipped",
                metadata: ["symbol": "\(symbol)", "skipped": "\(written.skipped.joined(separator: ", "))", "sent": "\(written.order.clientOrderID)"])
        }
        let order = written.order
        if openOrders[order.clientOrderID] == nil { metrics.orderTransition(.new) }
        openOrders[order.clientOrderID] = order
        markEntriesForCancel(symbol, reason: reason)
        if crashPoint == .afterExitWritten { crashPoint?.trigger() }
        try await cancelWorkingEntries(symbol)
        try await send(order, immediateFill: immediateFill)
        return fillsRecorded - before
    }

    /// Mirrors in memory the cancel request an exit wrote on the symbol's working entries.
    func markEntriesForCancel(_ symbol: Symbol, reason: String) {
        for (id, order) in openOrders where order.symbol == symbol && order.side == .buy && order.cancelRequested == nil {
            openOrders[id]?.cancelRequested = reason
        }
    }

    /// An exit closes what was bought so far; the rest of a partly filled entry must not keep buying after it.
    func cancelWorkingEntries(_ symbol: Symbol) async throws {
        for order in openOrders.values.sorted(by: { $0.id < $1.id }) where order.symbol == symbol && order.side == .buy {
            try await cancel(order, reason: order.cancelRequested ?? "exit")
        }
    }

    /// One execution: order, position, trade, cash and session peak, committed together, then mirrored in memory.
    func apply(_ execution: BrokerExecution) async throws {
        guard let session, var order = openOrders[execution.clientOrderID] else {
            logger.error("execution for an order the engine does not know", metadata: ["client_order_id": "\(execution.clientOrderID)"])
            return
        }
        let previous = order.status
        let filled = order.filledQuantity + execution.quantity
        order.averageFillPrice = TradingKernel.averageFillPrice(
            previous: order.averageFillPrice, filled: order.filledQuantity, adding: execution.quantity, at: execution.price
        )
        order.filledQuantity = filled
        order.status = try OrderStateMachine.transition(from: previous, to: OrderStateMachine.statusAfterFill(filled: filled, of: order.quantity))
        order.fillCount += 1
        order.lastFillBar = execution.bar ?? order.lastFillBar

        let input = FillInput(
            orderID: order.id, side: order.side, quantity: execution.positionQuantity, price: execution.price, fee: execution.fee,
            time: execution.time, cause: order.cause
        )
        // Applied to a copy: memory changes only once the database has the fill.
        var next = kernel
        let outcome = try next.apply(input, symbol: order.symbol, plannedExits: order.plannedExits?.plan)
        // A symbol without a bar yet is marked at the fill's price.
        var fillMarks = marks
        if fillMarks[order.symbol] == nil { fillMarks[order.symbol] = execution.price }
        let value = next.valuation(marks: fillMarks)

        let commit = FillCommit(
            order: order, previousStatus: previous, exchangeFillID: execution.exchangeFillID, fill: input, executedQuantity: execution.quantity,
            commission: execution.commission?.description, expectedPrice: order.expectedPrice,
            slippageBps: execution.slippageBps, latencyMilliseconds: execution.latencyMilliseconds, position: outcome.position,
            trade: outcome.closedTrade,
            account: next.account, equity: value.equity, unrealizedPnl: value.unrealizedPnl, peakEquity: next.limits.peakEquity, marks: fillMarks
        )
        let recorded = try await store.applyFill(commit, sessionID: session.id, fence: try requireFence())
        await broker.confirm(execution)
        guard recorded else {
            logger.warning("execution recorded before; ignored", metadata: ["exchange_fill_id": "\(execution.exchangeFillID)"])
            return
        }
        if crashPoint == .afterFillRecorded { crashPoint?.trigger() }
        fillsRecorded += 1
        lastFillCommittedAt = .now
        lastSnapshot = (execution.time, value.equity)
        kernel = next
        if order.status.isOpen { openOrders[order.clientOrderID] = order } else { openOrders[order.clientOrderID] = nil }
        metrics.fill(side: order.side, slippageBps: execution.slippageBps, latencyMilliseconds: execution.latencyMilliseconds)
        metrics.lastFill(at: .now)
        metrics.orderTransition(order.status)
        logger.info(
            "fill recorded",
            metadata: [
                "order_id": "\(order.id)", "client_order_id": "\(order.clientOrderID)", "quantity": "\(execution.quantity)",
                "price": "\(execution.price)",
                "status": "\(order.status.rawValue)", "cash": "\(kernel.account.cash)",
            ])
    }
}
