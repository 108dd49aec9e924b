import Foundation
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonTrading
import Logging
import PostgresNIO

/// Records in PostgreSQL a position closed outside the engine — by hand on the exchange, or in an emergency
/// while the engine is down — with the engine's own accounting (`Position.apply`), so the trade, the cash and
/// the realised PnL are exactly what the engine would have written: a filled `manual` sell order with its fill
/// and event, the trade, the position removed, the symbol's working orders canceled, a new balance snapshot,
/// a `risk_events` row and an audit row. One transaction: all of it or none.
struct ManualClose {
    struct Result: Sendable {
        var symbol: String
        var quantity: Decimal
        var exitPrice: Decimal
        var pnl: Decimal
        var cash: Decimal
        var equity: Decimal
        var canceledOrders: Int
    }

    struct Session: Sendable {
        var id: Int64
        var mode: String
    }

    let logger: Logger

    /// The session named, else the open one of `mode`.
    static func session(_ id: Int64?, mode: String, client: PostgresClient, logger: Logger) async throws -> Session {
        let rows = try await client.query(
            """
            SELECT id, mode FROM trading_sessions
            WHERE (\(id)::int8 IS NULL AND mode = \(mode) AND ended_at IS NULL) OR id = \(id)
            ORDER BY id DESC LIMIT 1
            """, logger: logger
        )
        for try await (id, mode) in rows.decode((Int64, String).self) { return Session(id: id, mode: mode) }
        throw CLIError(id.map { "no trading session \($0); `keelson db query \"SELECT id, mode, status FROM trading_sessions\"` lists them" }
            ?? "no open \(mode) trading session; pass --session ID")
    }

    /// Refuses while an engine trades the session's account: it keeps positions in memory and would not see this.
    static func requireNoEngine(mode: String, client: PostgresClient, logger: Logger) async throws {
        let holders = try await client.withConnection { try await EngineLeaderLock.holders(on: $0, logger: logger) }
        if let holder = holders.first(where: { $0.mode == mode }) {
            throw CLIError(
                "an engine is trading the \(mode) account (it holds the leader lock, PostgreSQL backend \(holder.pid)); stop it first (`make stop`, or scale the engine to 0), "
                    + "or close through it: `keelson trading close-all --reason …`"
            )
        }
    }

    /// Closes the whole position in `symbol` at `price`; nil when the session holds none.
    func close(session: Session, symbol: String, price: Decimal, fee: Decimal, reason: String, actor: String, on connection: PostgresConnection) async throws -> Result? {
        let rows = try await connection.query(
            """
            SELECT quantity, average_entry_price, realized_pnl, opened_at, entry_quantity, entry_fees, exit_quantity, exit_notional,
                   exit_fees, coalesce(entry_order_id, 0), exit_attempts, cost_basis
            FROM positions WHERE session_id = \(session.id) AND symbol = \(symbol) FOR UPDATE
            """, logger: logger
        )
        var found: Position?
        for try await (quantity, average, realized, opened, entryQuantity, entryFees, exitQuantity, exitNotional, exitFees, entryOrder, attempts, cost)
            in rows.decode((Decimal, Decimal, Decimal, Date, Decimal, Decimal, Decimal, Decimal, Decimal, Int64, Int32, Decimal).self)
        {
            guard let parsed = Symbol(rawValue: symbol) else { break }
            found = Position(
                restoring: parsed, quantity: quantity, costBasis: cost, averageEntryPrice: average, entryQuantity: entryQuantity, entryFees: entryFees,
                exitQuantity: exitQuantity, exitNotional: exitNotional, exitFees: exitFees, realizedPnl: realized, openedAt: opened,
                entryOrderID: entryOrder, stops: nil, exitAttempts: Int(attempts)
            )
        }
        guard var position = found else { return nil }
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
        let effect = try position.apply(FillInput(orderID: orderID, side: .sell, quantity: quantity, price: price, fee: fee, time: now, cause: .manual))
        guard let trade = effect.closedTrade else { throw CLIError("the position in \(symbol) did not close; nothing was recorded") }
        let detail = String(decoding: try JSONCoding.encoder.encode(["reason": reason, "by": actor]), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO order_events (order_id, from_status, to_status, detail) VALUES (\(orderID), NULL, 'filled', \(detail)::jsonb)
            """, logger: logger
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
        for try await (lastCash, lastRealized, lastFees, initial, value, open) in balances.decode((Decimal?, Decimal?, Decimal?, Decimal, Decimal, Decimal).self) {
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
        let eventDetail = String(decoding: try JSONCoding.encoder.encode([
            "quantity": quantity.description, "exit_price": price.description, "pnl": trade.pnl.description, "by": actor,
        ]), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO risk_events (session_id, kind, symbol, reason, detail) VALUES (\(session.id), 'manual_close', \(symbol), \(reason), \(eventDetail)::jsonb)
            """, logger: logger
        )
        let audit = String(decoding: try JSONCoding.encoder.encode([
            "session_id": String(session.id), "symbol": symbol, "quantity": quantity.description, "exit_price": price.description,
        ]), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO audit_log (actor_name, action, reason, outcome, source_address, detail)
            VALUES (\(actor), 'db.close_position', \(reason), 'ok', 'local', \(audit)::jsonb)
            """, logger: logger
        )
        return Result(symbol: symbol, quantity: quantity, exitPrice: price, pnl: trade.pnl, cash: cash, equity: equity, canceledOrders: canceledCount)
    }
}
