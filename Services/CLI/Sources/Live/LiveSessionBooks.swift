import Foundation
import KeelsonExchanges
import Logging
import PostgresNIO

/// A live trading session's books as PostgreSQL holds them — the last recorded cash, the positions, the orders
/// still open, and the symbols the session trades (from the settings it stored) — for comparing with the account.
struct LiveSessionBooks: Sendable {
    var sessionID: Int64
    var books: AccountBooks

    /// The session named, else the open live session.
    static func read(session: Int64?, client: PostgresClient, logger: Logger) async throws -> LiveSessionBooks {
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
        var found: (id: Int64, cash: Decimal, symbols: [String])?
        for try await (id, cash, symbols) in sessions.decode((Int64, Decimal, String).self) {
            found = (id, cash, symbols.split(separator: ",").map(String.init))
        }
        guard let found else {
            throw CLIError(
                session.map { "no live trading session \($0); `keelson db query \"SELECT id, mode, status FROM trading_sessions\"` lists them" }
                    ?? "no open live trading session: the engine opens one when it starts with KEELSON_MODE=live",
                exitCode: 2
            )
        }
        var positions: [String: Decimal] = [:]
        let positionRows = try await client.query("SELECT symbol, quantity FROM positions WHERE session_id = \(found.id)", logger: logger)
        for try await (symbol, quantity) in positionRows.decode((String, Decimal).self) { positions[symbol] = quantity }
        var working: [AccountBooks.WorkingOrder] = []
        let orderRows = try await client.query(
            """
            SELECT client_order_id, symbol, filled_quantity FROM orders
            WHERE session_id = \(found.id) AND status IN ('new', 'submitted', 'partially_filled') ORDER BY id
            """, logger: logger
        )
        for try await (clientOrderID, symbol, filled) in orderRows.decode((String, String, Decimal).self) {
            working.append(AccountBooks.WorkingOrder(clientOrderId: clientOrderID, symbol: symbol, filledQuantity: filled))
        }
        return LiveSessionBooks(sessionID: found.id, books: AccountBooks(cash: found.cash, positions: positions, workingOrders: working, symbols: found.symbols))
    }
}
