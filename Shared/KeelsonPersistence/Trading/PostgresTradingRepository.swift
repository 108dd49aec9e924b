import Foundation
import KeelsonDomain
import KeelsonStrategies
import KeelsonTrading
import Logging
import PostgresNIO

/// The trading aggregate on PostgreSQL: sessions and their state here, orders, fills and signals in its extensions.
public struct PostgresTradingRepository: TradingRepository {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func openSession(_ request: SessionRequest) async throws -> SessionRecord {
        try await client.transaction(logger: logger) { connection in
            // Serialises concurrent starts (two replicas racing before either is leader).
            try await connection.query("SELECT pg_advisory_xact_lock(7355, 0)", logger: logger)
            if let open = try await Self.openSession(mode: request.mode, connection: connection, logger: logger) {
                guard request.newSession else { return open }
                let busy = try await connection.query(
                    """
                    SELECT (SELECT count(*) FROM positions WHERE session_id = \(open.id))
                         + (SELECT count(*) FROM orders WHERE session_id = \(open.id) AND status IN ('new', 'submitted', 'partially_filled'))
                    """, logger: logger
                )
                for try await (count) in busy.decode(Int64.self) where count > 0 {
                    throw TradingRepositoryError.sessionBusy(
                        "session \(open.id) still has \(count) open positions or orders; close them (keelson trading close-all --reason ...) and let the exits fill before starting a new session"
                    )
                }
                try await connection.query(
                    "UPDATE trading_sessions SET ended_at = now(), status = 'stopped', status_reason = 'replaced by a new session' WHERE id = \(open.id)",
                    logger: logger)
            }
            var initial = request.maxCapital
            if request.resumeFromLastBalance {
                let rows = try await connection.query(
                    """
                    SELECT b.cash FROM account_balances b JOIN trading_sessions s ON s.id = b.session_id
                    WHERE s.mode = \(request.mode) ORDER BY b.id DESC LIMIT 1
                    """, logger: logger
                )
                for try await (cash) in rows.decode(Decimal.self) { initial = cash }
            }
            let inserted = try await connection.query(
                """
                INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity, configuration, day_start_equity)
                VALUES (\(request.mode), 'active', \(initial), \(initial), \(request.configurationJSON)::jsonb, \(initial))
                RETURNING id
                """, logger: logger
            )
            var sessionID: Int64 = 0
            for try await (id) in inserted.decode(Int64.self) { sessionID = id }
            try await connection.query(
                """
                INSERT INTO account_balances (session_id, cash, equity, realized_pnl, unrealized_pnl, fees_paid)
                VALUES (\(sessionID), \(initial), \(initial), 0, 0, 0)
                """, logger: logger
            )
            guard let session = try await Self.openSession(mode: request.mode, connection: connection, logger: logger) else {
                throw TradingRepositoryError.inconsistent("the new session could not be read back")
            }
            return session
        }
    }

    static func openSession(mode: String, connection: PostgresConnection, logger: Logger) async throws -> SessionRecord? {
        let rows = try await connection.query(
            """
            SELECT id, mode, status, status_reason, initial_balance, peak_equity, trading_day::text, day_start_equity, started_at
            FROM trading_sessions WHERE ended_at IS NULL AND mode = \(mode) ORDER BY id DESC LIMIT 1
            """, logger: logger
        )
        for try await (id, mode, status, reason, initial, peak, day, dayStart, started) in rows.decode(
            (Int64, String, String, String?, Decimal, Decimal, String?, Decimal?, Date).self)
        {
            return SessionRecord(
                id: id, mode: mode, state: TradingState(rawValue: status) ?? .halted, stateReason: reason, initialBalance: initial,
                peakEquity: peak, tradingDay: day, dayStartEquity: dayStart, startedAt: started
            )
        }
        return nil
    }

    public func loadState(session: SessionRecord) async throws -> StoredTradingState {
        var positions: [Symbol: Position] = [:]
        for position in try await client.withOpenConnection({ try await Self.positions(sessionID: session.id, symbol: nil, on: $0, logger: logger) })
        {
            positions[position.symbol] = position
        }

        let openOrders = try await openOrders(sessionID: session.id)

        let account = try await client.read(
            "SELECT cash, realized_pnl, fees_paid FROM account_balances WHERE session_id = \(session.id) ORDER BY id DESC LIMIT 1", logger: logger
        ) { rows in
            var account = AccountState(cash: session.initialBalance, realizedPnl: 0, feesPaid: 0)
            for try await (cash, realized, fees) in rows.decode((Decimal, Decimal, Decimal).self) {
                account = AccountState(cash: cash, realizedPnl: realized, feesPaid: fees)
            }
            return account
        }
        let lastStopOut = try await client.read(
            """
            SELECT symbol, max(exit_time) FROM trades
            WHERE session_id = \(session.id) AND exit_reason IN ('stop_loss', 'trailing_stop') GROUP BY symbol
            """, logger: logger
        ) { rows in
            var lastStopOut: [Symbol: Date] = [:]
            for try await (symbol, time) in rows.decode((String, Date).self) {
                if let symbol = Symbol(rawValue: symbol) { lastStopOut[symbol] = time }
            }
            return lastStopOut
        }
        let lastSignalAt = try await client.read("SELECT max(processed_at) FROM engine_signal_log WHERE session_id = \(session.id)", logger: logger) {
            try await $0.collect().first?.decode(Date?.self) ?? nil
        }
        // Wall-clock time of the newest fill (fills carry market time), else the session's start.
        let lastFillAt = try await client.read(
            """
            SELECT coalesce((SELECT max(updated_at) FROM orders WHERE session_id = \(session.id) AND filled_quantity > 0),
                            (SELECT started_at FROM trading_sessions WHERE id = \(session.id)))
            """, logger: logger
        ) { try await $0.collect().first?.decode(Date?.self) ?? nil }
        let processedBars = try await client.read(
            "SELECT symbol, last_bar_open_time FROM engine_bar_cursors WHERE session_id = \(session.id)", logger: logger
        ) { rows in
            var processedBars: [Symbol: Date] = [:]
            for try await (symbol, time) in rows.decode((String, Date).self) {
                if let symbol = Symbol(rawValue: symbol) { processedBars[symbol] = time }
            }
            return processedBars
        }
        return StoredTradingState(
            positions: positions, openOrders: openOrders, account: account, lastStopOut: lastStopOut, lastSignalAt: lastSignalAt,
            lastFillAt: lastFillAt,
            processedBars: processedBars
        )
    }

    /// The session's positions (or the one in `symbol`) as stored, with their protective stops; locked for update
    /// when read inside a transaction.
    static func positions(sessionID: Int64, symbol: String?, on connection: PostgresConnection, logger: Logger) async throws -> [Position] {
        let rows = try await connection.query(
            """
            SELECT symbol, quantity, average_entry_price, realized_pnl, stop_price, take_profit_price, trailing_distance, highest_price,
                   opened_at, entry_quantity, entry_fees, exit_quantity, exit_notional, exit_fees, coalesce(entry_order_id, 0), exit_attempts,
                   cost_basis
            FROM positions WHERE session_id = \(sessionID) AND (\(symbol)::text IS NULL OR symbol = \(symbol)) ORDER BY symbol FOR UPDATE
            """, logger: logger
        )
        var positions: [Position] = []
        for try await (
            symbol, quantity, average, realized, stop, takeProfit, trailing, highest, openedAt, entryQuantity, entryFees, exitQuantity, exitNotional,
            exitFees, entryOrderID, attempts, costBasis
        )
            in rows.decode(
                (
                    String, Decimal, Decimal, Decimal, Decimal?, Decimal?, Decimal?, Decimal?, Date, Decimal, Decimal, Decimal, Decimal, Decimal,
                    Int64, Int32, Decimal
                ).self)
        {
            guard let symbol = Symbol(rawValue: symbol) else { continue }
            var stops: ProtectiveStops?
            if let stop, let highest {
                stops = ProtectiveStops(stopPrice: stop, takeProfitPrice: takeProfit, trailingDistance: trailing, highestPrice: highest)
            }
            positions.append(
                Position(
                    restoring: symbol, quantity: quantity, costBasis: costBasis, averageEntryPrice: average, entryQuantity: entryQuantity,
                    entryFees: entryFees, exitQuantity: exitQuantity, exitNotional: exitNotional, exitFees: exitFees, realizedPnl: realized,
                    openedAt: openedAt, entryOrderID: entryOrderID, stops: stops, exitAttempts: Int(attempts)
                ))
        }
        return positions
    }
}
