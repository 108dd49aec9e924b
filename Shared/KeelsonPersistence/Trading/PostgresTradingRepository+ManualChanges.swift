import Foundation
import KeelsonDomain
import KeelsonFoundation
import KeelsonTrading
import Logging
import PostgresNIO

/// What an operator records with the engine down — a position closed by hand on the exchange, an emergency
/// close-all — and the books a live session holds for comparing with the exchange. The writes use the engine's
/// own accounting (`Position.apply`), so the trade, the cash and the realised PnL are exactly what the engine
/// would have written; each is one transaction: all of it or none.
extension PostgresTradingRepository {
    public struct ManualClose: Sendable, Equatable {
        public var symbol: String
        public var quantity: Decimal
        public var exitPrice: Decimal
        public var pnl: Decimal
        public var cash: Decimal
        public var equity: Decimal
        public var canceledOrders: Int
    }

    /// A session's books: the last recorded cash, the positions, the orders still working, the symbols it trades.
    public struct Books: Sendable, Equatable {
        public struct WorkingOrder: Sendable, Equatable {
            public var clientOrderID: String
            public var symbol: String
            public var filledQuantity: Decimal
        }

        public var sessionID: Int64
        public var cash: Decimal
        public var positions: [String: Decimal]
        public var workingOrders: [WorkingOrder]
        public var symbols: [String]
    }

    /// The session named, else the open one of `mode`; refused while an engine trades that account, because it
    /// keeps positions in memory and would not see a change made beside it.
    public func sessionForManualChange(_ id: Int64?, mode: String) async throws -> SessionRecord {
        let rows = try await client.query(
            """
            SELECT id, mode, status, status_reason, initial_balance, peak_equity, trading_day::text, day_start_equity, started_at
            FROM trading_sessions
            WHERE (\(id)::int8 IS NULL AND mode = \(mode) AND ended_at IS NULL) OR id = \(id)
            ORDER BY id DESC LIMIT 1
            """, logger: logger
        )
        var found: SessionRecord?
        for try await (id, mode, status, reason, initial, peak, day, dayStart, started) in rows.decode(
            (Int64, String, String, String?, Decimal, Decimal, String?, Decimal?, Date).self
        ) {
            found = SessionRecord(
                id: id, mode: mode, state: TradingState(rawValue: status) ?? .halted, stateReason: reason, initialBalance: initial,
                peakEquity: peak, tradingDay: day, dayStartEquity: dayStart, startedAt: started
            )
        }
        guard let session = found else {
            throw TradingRepositoryError.notFound(
                id.map { "no trading session \($0); `keelson db query \"SELECT id, mode, status FROM trading_sessions\"` lists them" }
                    ?? "no open \(mode) trading session; pass --session ID"
            )
        }
        let holders = try await client.withOpenConnection { try await EngineLeaderLock.holders(on: $0, logger: logger) }
        if let holder = holders.first(where: { $0.mode == session.mode }) {
            throw TradingRepositoryError.engineRunning(
                "an engine is trading the \(session.mode) account (it holds the leader lock, PostgreSQL backend \(holder.pid)); stop it first "
                    + "(`make stop`, or scale the engine to 0), or close through it: `keelson trading close-all --reason …`"
            )
        }
        return session
    }

    /// Closes the whole position in `symbol` at `price`; nil when the session holds none.
    public func closeManually(session: SessionRecord, symbol: String, price: Decimal, fee: Decimal, reason: String, actor: String) async throws
        -> ManualClose?
    {
        try await client.transaction(logger: logger) { connection in
            try await Self.close(
                session: session, symbol: symbol, price: price, fee: fee, reason: reason, actor: actor, on: connection, logger: logger)
        }
    }

    /// Every position of the session closed at its mark (else the symbol's last candle close), every working order
    /// canceled, the session stopped. Refused, with nothing written, when a position has no known price.
    public func emergencyCloseAll(session: SessionRecord, reason: String, actor: String) async throws -> [ManualClose] {
        try await client.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT p.symbol, coalesce(p.mark_price, (SELECT c.close FROM candles c WHERE c.symbol = p.symbol ORDER BY c.open_time DESC LIMIT 1))
                FROM positions p WHERE p.session_id = \(session.id) ORDER BY p.symbol
                """, logger: logger
            )
            var prices: [(String, Decimal?)] = []
            for try await row in rows.decode((String, Decimal?).self) { prices.append(row) }
            var results: [ManualClose] = []
            for (symbol, price) in prices {
                guard let price else {
                    throw TradingRepositoryError.notFound(
                        "no price is known for \(symbol) (no mark, no candle); record it with "
                            + "`keelson db close-position --symbol \(symbol) --exit-price P --reason R`, then run this again"
                    )
                }
                let closed = try await Self.close(
                    session: session, symbol: symbol, price: price, fee: 0, reason: reason, actor: actor, on: connection, logger: logger)
                if let closed { results.append(closed) }
            }
            try await connection.query(
                """
                WITH canceled AS (
                    UPDATE orders SET status = 'canceled', updated_at = now()
                    WHERE session_id = \(session.id) AND status IN ('new', 'submitted', 'partially_filled') RETURNING id
                )
                INSERT INTO order_events (order_id, from_status, to_status, detail)
                SELECT id, 'submitted', 'canceled', jsonb_build_object('reason', 'emergency close-all: ' || \(reason)) FROM canceled
                """, logger: logger
            )
            try await connection.query(
                "UPDATE trading_sessions SET status = 'stopped', status_reason = \("emergency close-all: " + reason) WHERE id = \(session.id)",
                logger: logger
            )
            try await connection.query(
                "INSERT INTO risk_events (session_id, kind, reason) VALUES (\(session.id), 'emergency_close_all', \(reason))", logger: logger
            )
            return results
        }
    }

    /// The books of the live session named, else of the open live session.
    public func liveBooks(session: Int64?) async throws -> Books {
        let sessions = try await client.query(
            """
            SELECT id,
                   coalesce((SELECT cash FROM account_balances b WHERE b.session_id = s.id ORDER BY b.id DESC LIMIT 1), initial_balance),
                   coalesce((SELECT string_agg(value, ',') FROM jsonb_array_elements_text(s.configuration -> 'settings' -> 'symbols')), '')
            FROM trading_sessions s
            WHERE s.mode = 'live' AND ((\(session)::int8 IS NULL AND s.ended_at IS NULL) OR s.id = \(session))
            ORDER BY s.id DESC LIMIT 1
            """, logger: logger
        )
        var found: Books?
        for try await (id, cash, symbols) in sessions.decode((Int64, Decimal, String).self) {
            found = Books(sessionID: id, cash: cash, positions: [:], workingOrders: [], symbols: symbols.split(separator: ",").map(String.init))
        }
        guard var books = found else {
            throw TradingRepositoryError.notFound(
                session.map { "no live trading session \($0); `keelson db query \"SELECT id, mode, status FROM trading_sessions\"` lists them" }
                    ?? "no open live trading session: the engine opens one when it starts with KEELSON_MODE=live"
            )
        }
        let positionRows = try await client.query("SELECT symbol, quantity FROM positions WHERE session_id = \(books.sessionID)", logger: logger)
        for try await (symbol, quantity) in positionRows.decode((String, Decimal).self) { books.positions[symbol] = quantity }
        let orderRows = try await client.query(
            """
            SELECT client_order_id, symbol, filled_quantity FROM orders
            WHERE session_id = \(books.sessionID) AND status IN ('new', 'submitted', 'partially_filled') ORDER BY id
            """, logger: logger
        )
        for try await (clientOrderID, symbol, filled) in orderRows.decode((String, String, Decimal).self) {
            books.workingOrders.append(Books.WorkingOrder(clientOrderID: clientOrderID, symbol: symbol, filledQuantity: filled))
        }
        return books
    }

    /// A filled `manual` sell with its fill and event, the trade, the position removed, the symbol's working orders
    /// canceled, a new balance snapshot, a `risk_events` row and an audit row.
    private static func close(
        session: SessionRecord, symbol: String, price: Decimal, fee: Decimal, reason: String, actor: String, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> ManualClose? {
        guard var position = try await positions(sessionID: session.id, symbol: symbol, on: connection, logger: logger).first else { return nil }
        let quantity = position.quantity
        let now = Date.now

        let canceled = try await connection.query(
            """
            WITH canceled AS (
                UPDATE orders SET status = 'canceled', updated_at = now()
                WHERE session_id = \(session.id) AND symbol = \(symbol) AND status IN ('new', 'submitted', 'partially_filled')
                RETURNING id, status
            ), event AS (
                INSERT INTO order_events (order_id, from_status, to_status, detail)
                SELECT id, 'submitted', 'canceled', jsonb_build_object('reason', 'position closed by hand: ' || \(reason)) FROM canceled
            )
            SELECT count(*)::int FROM canceled
            """, logger: logger
        )
        var canceledCount = 0
        for try await (count) in canceled.decode(Int.self) { canceledCount = count }

        let clientOrderID = "k-manual-\(session.id)-\(symbol)-\(Int64(now.timeIntervalSince1970 * 1000))"
        var orderID: Int64 = 0
        let order = try await connection.query(
            """
            INSERT INTO orders (session_id, client_order_id, symbol, side, type, quantity, status, filled_quantity, average_fill_price, cause)
            VALUES (\(session.id), \(clientOrderID), \(symbol), 'sell', 'market', \(quantity), 'filled', \(quantity), \(price), \(OrderCause.manual.rawValue))
            RETURNING id
            """, logger: logger
        )
        for try await (id) in order.decode(Int64.self) { orderID = id }
        let effect = try position.apply(
            FillInput(orderID: orderID, side: .sell, quantity: quantity, price: price, fee: fee, time: now, cause: .manual))
        guard let trade = effect.closedTrade else {
            throw TradingRepositoryError.inconsistent("the position in \(symbol) did not close; nothing was recorded")
        }
        try await connection.query(
            "INSERT INTO order_events (order_id, from_status, to_status, detail) VALUES (\(orderID), NULL, 'filled', \(json(["reason": reason, "by": actor]))::jsonb)",
            logger: logger
        )
        try await connection.query(
            """
            INSERT INTO fills (order_id, session_id, exchange_fill_id, symbol, side, quantity, price, fee, fee_asset, filled_at)
            VALUES (\(orderID), \(session.id), 'manual', \(symbol), 'sell', \(quantity), \(price), \(fee), 'USDT', \(now))
            """, logger: logger
        )
        try await connection.query(
            """
            INSERT INTO trades (session_id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, pnl, fees, exit_reason,
                                entry_order_id, exit_order_id)
            VALUES (\(session.id), \(symbol), 'long', \(trade.quantity), \(trade.entryTime), \(trade.entryPrice), \(trade.exitTime), \(trade.exitPrice),
                    \(trade.pnl), \(trade.fees), \(OrderCause.manual.rawValue), \(trade.entryOrderID == 0 ? nil : trade.entryOrderID), \(orderID))
            """, logger: logger
        )
        try await connection.query("DELETE FROM positions WHERE session_id = \(session.id) AND symbol = \(symbol)", logger: logger)

        // The balance after: the last snapshot moved by this fill; equity marks what is still open.
        let balances = try await connection.query(
            """
            SELECT b.cash, b.realized_pnl, b.fees_paid, s.initial_balance,
                   (SELECT coalesce(sum(quantity * coalesce(mark_price, average_entry_price)), 0) FROM positions WHERE session_id = s.id),
                   (SELECT coalesce(sum(quantity * (coalesce(mark_price, average_entry_price) - average_entry_price)), 0) FROM positions WHERE session_id = s.id)
            FROM trading_sessions s
            LEFT JOIN LATERAL (SELECT cash, realized_pnl, fees_paid FROM account_balances WHERE session_id = s.id ORDER BY id DESC LIMIT 1) b ON true
            WHERE s.id = \(session.id)
            """, logger: logger
        )
        var cash = Decimal(0), realized = Decimal(0), fees = Decimal(0), openValue = Decimal(0), unrealized = Decimal(0)
        for try await (lastCash, lastRealized, lastFees, initial, value, open) in balances.decode(
            (Decimal?, Decimal?, Decimal?, Decimal, Decimal, Decimal).self)
        {
            cash = (lastCash ?? initial) + effect.cashDelta
            realized = (lastRealized ?? 0) + effect.realizedPnlDelta
            fees = (lastFees ?? 0) + fee
            openValue = value
            unrealized = open
        }
        let equity = cash + openValue
        try await connection.query(
            """
            INSERT INTO account_balances (session_id, cash, equity, realized_pnl, unrealized_pnl, fees_paid, market_time)
            VALUES (\(session.id), \(cash), \(equity), \(realized), \(unrealized), \(fees), \(now))
            """, logger: logger
        )
        let eventDetail = json(["quantity": quantity.description, "exit_price": price.description, "pnl": trade.pnl.description, "by": actor])
        try await connection.query(
            "INSERT INTO risk_events (session_id, kind, symbol, reason, detail) VALUES (\(session.id), 'manual_close', \(symbol), \(reason), \(eventDetail)::jsonb)",
            logger: logger
        )
        try await PostgresAuditLog.record(
            AuditEntry(
                actorKeyID: nil, actorName: actor, action: "db.close_position", reason: reason, outcome: "ok", sourceAddress: "local",
                detail: ["session_id": String(session.id), "symbol": symbol, "quantity": quantity.description, "exit_price": price.description]
            ), on: connection, logger: logger
        )
        return ManualClose(
            symbol: symbol, quantity: quantity, exitPrice: price, pnl: trade.pnl, cash: cash, equity: equity, canceledOrders: canceledCount)
    }
}
