import Foundation
import KeelsonDomain
import KeelsonStrategies
import KeelsonTrading
import Logging
import PostgresNIO

extension PostgresTradingRepository {
    // MARK: Orders

    static let orderSelect = """
        SELECT o.id, o.client_order_id, o.symbol, o.side, o.quantity, o.status, o.filled_quantity, o.average_fill_price, o.cause,
               o.signal_id, coalesce(o.decided_after_bar, o.created_at), o.expected_price, o.planned_exits::text,
               (SELECT count(*) FROM fills f WHERE f.order_id = o.id), o.created_at, o.cancel_requested, o.last_fill_bar,
               o.stop_price, o.limit_price
        FROM orders o
        """

    func openOrders(sessionID: Int64) async throws -> [OrderRecord] {
        var query = PostgresQuery(
            unsafeSQL: Self.orderSelect + " WHERE o.session_id = $1 AND o.status IN ('new', 'submitted', 'partially_filled') ORDER BY o.id")
        query.binds.append(sessionID)
        return try await client.read(query, logger: logger) { try await Self.decodeOrders($0) }
    }

    static func decodeOrders(_ rows: PostgresRowSequence) async throws -> [OrderRecord] {
        var result: [OrderRecord] = []
        for try await (
            id, clientID, symbol, side, quantity, status, filled, average, cause, signalID, after, expected, planned, fills, created, cancelRequested,
            lastFillBar, stopPrice, limitPrice
        )
            in rows.decode(
                (
                    Int64, String, String, String, Decimal, String, Decimal, Decimal?, String, Int64?, Date, Decimal?, String?, Int64, Date, String?,
                    Date?, Decimal?, Decimal?
                ).self)
        {
            guard let symbol = Symbol(rawValue: symbol), let side = TradeSide(rawValue: side), let status = OrderStatus(rawValue: status) else {
                continue
            }
            let exits = planned.flatMap { try? JSONDecoder().decode(PlannedExits.self, from: Data($0.utf8)) }
            result.append(
                OrderRecord(
                    id: id, clientOrderID: clientID, symbol: symbol, side: side, quantity: quantity, status: status, filledQuantity: filled,
                    averageFillPrice: average, cause: OrderCause(rawValue: cause) ?? .signal, signalID: signalID, decidedAfterBar: after,
                    expectedPrice: expected, plannedExits: exits, fillCount: Int(fills), createdAt: created, cancelRequested: cancelRequested,
                    lastFillBar: lastFillBar,
                    restingStop: stopPrice.flatMap { stop in limitPrice.map { RestingStop(stopPrice: stop, limitPrice: $0) } }
                ))
        }
        return result
    }

    static func checkFence(_ fence: LeaderFence, connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM pg_stat_get_activity(\(fence.backendPID)) a
                           WHERE (extract(epoch FROM a.backend_start) * 1000000)::bigint = \(fence.backendStartMicroseconds))
            """, logger: logger
        )
        for try await (held) in rows.decode(Bool.self) where !held { throw TradingRepositoryError.notLeader }
    }

    static func insertOrder(_ draft: OrderDraft, sessionID: Int64, connection: PostgresConnection, logger: Logger) async throws -> OrderRecord? {
        let rows = try await connection.query(
            """
            INSERT INTO orders (session_id, client_order_id, symbol, side, type, quantity, status, cause, signal_id, decided_after_bar, expected_price, planned_exits,
                                stop_price, limit_price)
            VALUES (\(sessionID), \(draft.clientOrderID), \(draft.symbol.rawValue), \(draft.side.rawValue),
                    \(draft.restingStop == nil ? "market" : "stop_loss_limit"), \(draft.quantity), 'new',
                    \(draft.cause.rawValue), \(draft.signalID), \(draft.decidedAfterBar), \(draft.expectedPrice), \(draft.plannedExits?.json)::jsonb,
                    \(draft.restingStop?.stopPrice), \(draft.restingStop?.limitPrice))
            ON CONFLICT (client_order_id) DO NOTHING
            RETURNING id, created_at
            """, logger: logger
        )
        for try await (id, created) in rows.decode((Int64, Date).self) {
            try await connection.query(
                "INSERT INTO order_events (order_id, from_status, to_status, detail) VALUES (\(id), NULL, 'new', \(#"{"cause":"\#(draft.cause.rawValue)"}"#)::jsonb)",
                logger: logger
            )
            return OrderRecord(
                id: id, clientOrderID: draft.clientOrderID, symbol: draft.symbol, side: draft.side, quantity: draft.quantity, status: .new,
                filledQuantity: 0, averageFillPrice: nil, cause: draft.cause, signalID: draft.signalID, decidedAfterBar: draft.decidedAfterBar,
                expectedPrice: draft.expectedPrice, plannedExits: draft.plannedExits, fillCount: 0, createdAt: created,
                restingStop: draft.restingStop
            )
        }
        return nil
    }

    /// The one row a trading statement returns.
    func run<Kind: TradingStatementKind>(_ kind: Kind.Type, _ bindings: PostgresBindings) async throws -> PostgresRow {
        var first: PostgresRow?
        for try await row in try await client.execute(TradingStatement<Kind>(bindings: bindings), logger: logger) where first == nil {
            first = row
        }
        guard let first else { throw TradingRepositoryError.inconsistent("\(Kind.name) returned no row") }
        return first
    }

    public func recordDecision(
        signal: StoredSignal, sessionID: Int64, decision: SignalDecision, acceptedBy broker: String?, cancelReason: String?, fence: LeaderFence
    ) async throws -> DecisionOutcome? {
        var bindings = PostgresBindings.fenced(fence)
        switch decision {
        case .order(let draft):
            bindings.append(sessionID)
            bindings.append(draft.clientOrderID)
            bindings.append(draft.symbol.rawValue)
            bindings.append(draft.side.rawValue)
            try bindings.append(draft.quantity)
            bindings.append(draft.cause.rawValue)
            bindings.append(signal.id)
            bindings.append(draft.decidedAfterBar)
            try bindings.append(draft.expectedPrice)
            bindings.append(draft.plannedExits?.json)
            bindings.append(broker)
            bindings.append(draft.side == .sell ? cancelReason : nil)
            let (held, id, created) = try await run(OrderFromSignal.self, bindings).decode((Bool, Int64?, Date?).self)
            guard held else { throw TradingRepositoryError.notLeader }
            guard let id, let created else { return nil }
            return .ordered(
                OrderRecord(
                    id: id, clientOrderID: draft.clientOrderID, symbol: draft.symbol, side: draft.side, quantity: draft.quantity,
                    status: broker == nil ? .new : .submitted,
                    filledQuantity: 0, averageFillPrice: nil, cause: draft.cause, signalID: signal.id, decidedAfterBar: draft.decidedAfterBar,
                    expectedPrice: draft.expectedPrice, plannedExits: draft.plannedExits, fillCount: 0, createdAt: created
                ))
        case .rejection(let rejection):
            bindings.append(signal.id)
            bindings.append(sessionID)
            bindings.append(rejection.description)
            bindings.append(signal.signal.symbol.rawValue)
            bindings.append(rejection.reason)
            bindings.append(rejection.code.rawValue)
            bindings.append(signal.strategy)
            bindings.append(signal.signal.side.rawValue)
            let (held, count) = try await run(SignalRejection.self, bindings).decode((Bool, Int64).self)
            guard held else { throw TradingRepositoryError.notLeader }
            return count == 1 ? .rejected : nil
        }
    }

    public func recordExit(_ exit: ExitRequest, sessionID: Int64, fence: LeaderFence) async throws -> ExitRecord {
        try await client.transaction(logger: logger) { connection in
            try await Self.checkFence(fence, connection: connection, logger: logger)
            var attempt = exit.attempt
            var skipped: [String] = []
            var order: OrderRecord?
            while order == nil {
                // An attempt whose id is taken: the exit still working under it is this exit; one that ended is skipped.
                let draft = OrderDraft(
                    clientOrderID: ClientOrderID.forExit(entryOrderID: exit.entryOrderID, attempt: attempt), symbol: exit.symbol, side: .sell,
                    quantity: exit.quantity, cause: exit.cause, signalID: nil, decidedAfterBar: exit.decidedAfterBar,
                    expectedPrice: exit.expectedPrice,
                    plannedExits: nil, restingStop: exit.restingStop
                )
                order = try await Self.insertOrder(draft, sessionID: sessionID, connection: connection, logger: logger)
                guard order == nil else { break }
                var query = PostgresQuery(unsafeSQL: Self.orderSelect + " WHERE o.client_order_id = $1")
                query.binds.append(draft.clientOrderID)
                guard let existing = try await Self.decodeOrders(connection.query(query, logger: logger)).first else {
                    throw TradingRepositoryError.inconsistent("order \(draft.clientOrderID) conflicts but cannot be read")
                }
                if existing.status.isOpen {
                    order = existing
                } else {
                    skipped.append("\(existing.clientOrderID) (\(existing.status.rawValue))")
                    attempt += 1
                }
            }
            if exit.restingStop == nil {
                try await connection.query(
                    """
                    UPDATE orders SET cancel_requested = \(exit.cancelReason), updated_at = now()
                    WHERE session_id = \(sessionID) AND symbol = \(exit.symbol.rawValue) AND side = 'buy'
                      AND status IN ('new', 'submitted', 'partially_filled') AND cancel_requested IS NULL
                    """, logger: logger
                )
            }
            try await connection.query(
                "UPDATE positions SET exit_attempts = \(Int32(attempt + 1)), updated_at = now() WHERE session_id = \(sessionID) AND symbol = \(exit.symbol.rawValue)",
                logger: logger
            )
            guard let order else { throw TradingRepositoryError.inconsistent("the exit for \(exit.symbol) could not be written") }
            return ExitRecord(order: order, attempt: attempt, skipped: skipped)
        }
    }

    public func transition(
        _ order: OrderRecord, to status: OrderStatus, broker: String, reason: String?, exchangeOrderID: String?, workingQuantity: Decimal?,
        fence: LeaderFence
    ) async throws -> OrderRecord {
        let next = try OrderStateMachine.transition(from: order.status, to: status)
        var bindings = PostgresBindings.fenced(fence)
        bindings.append(order.id)
        bindings.append(order.status.rawValue)
        bindings.append(next.rawValue)
        bindings.append(reason)
        bindings.append(broker)
        bindings.append(exchangeOrderID)
        try bindings.append(workingQuantity)
        let (held, count) = try await run(OrderTransition.self, bindings).decode((Bool, Int64).self)
        guard held else { throw TradingRepositoryError.notLeader }
        guard count == 1 else {
            throw TradingRepositoryError.inconsistent(
                "order \(order.clientOrderID) is no longer \(order.status.rawValue) in the database; refusing to move it to \(next.rawValue)")
        }
        var updated = order
        updated.status = next
        if let workingQuantity { updated.quantity = workingQuantity }
        return updated
    }
}
