import PostgresNIO

/// The statements on the trading hot path, prepared once per pooled connection: their parse and plan (large
/// CTEs) then happen once instead of on every signal and fill. Each is one statement whose data-modifying
/// CTEs commit together or not at all, and each starts with the leader fence: the backend that took the
/// advisory lock (`$1` pid, `$2` start time) still exists, so this process still holds the lock. Parameters
/// carry explicit casts so the server infers their types; JSON travels as text.
struct TradingStatement<Kind: TradingStatementKind>: PostgresPreparedStatement {
    typealias Row = PostgresRow
    static var name: String { "keelson_engine_\(Kind.name)" }
    static var sql: String { Kind.sql }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

protocol TradingStatementKind: Sendable {
    static var name: String { get }
    static var sql: String { get }
}

private let fence = """
    fence AS (
        SELECT EXISTS (SELECT 1 FROM pg_stat_get_activity($1::int4) a
                       WHERE (extract(epoch FROM a.backend_start) * 1000000)::bigint = $2::int8) AS held
    )
    """

/// An order decided from a signal, logged so the signal is never decided again.
/// $3 session, $4 client order id, $5 symbol, $6 side, $7 quantity, $8 cause, $9 signal id, $10 decided after bar,
/// $11 expected price, $12 planned exits (JSON), $13 the broker whose acceptance is this row (null: written `new`),
/// $14 for a sell, the cancel reason written on the symbol's working entries in the same statement (an exit and the
/// end of the entry it closes are one decision). Returns held, order id (null: decided before), created_at.
enum OrderFromSignal: TradingStatementKind {
    static let name = "order_from_signal"
    static let sql = """
        WITH \(fence), placed AS (
            INSERT INTO orders (session_id, client_order_id, symbol, side, type, quantity, status, cause, signal_id, decided_after_bar,
                                expected_price, planned_exits)
            SELECT $3::int8, $4::text, $5::text, $6::text, 'market', $7::numeric, CASE WHEN $13::text IS NULL THEN 'new' ELSE 'submitted' END,
                   $8::text, $9::int8, $10::timestamptz, $11::numeric, $12::text::jsonb
            WHERE (SELECT held FROM fence) AND NOT EXISTS (SELECT 1 FROM engine_signal_log WHERE signal_id = $9::int8)
            ON CONFLICT (client_order_id) DO NOTHING
            RETURNING id, created_at
        ), logged AS (
            INSERT INTO engine_signal_log (signal_id, session_id, outcome, order_id) SELECT $9::int8, $3::int8, 'ordered', id FROM placed
        ), event AS (
            INSERT INTO order_events (order_id, from_status, to_status, detail)
            SELECT id, NULL, 'new', jsonb_build_object('cause', $8::text, 'signal_id', $9::int8) FROM placed
            UNION ALL
            SELECT id, 'new', 'submitted', jsonb_build_object('broker', $13::text) FROM placed WHERE $13::text IS NOT NULL
        ), entries_ended AS (
            UPDATE orders SET cancel_requested = $14::text, updated_at = now()
            WHERE $6::text = 'sell' AND session_id = $3::int8 AND symbol = $5::text AND side = 'buy'
              AND status IN ('new', 'submitted', 'partially_filled') AND cancel_requested IS NULL AND EXISTS (SELECT 1 FROM placed)
        )
        SELECT (SELECT held FROM fence), (SELECT id FROM placed), (SELECT created_at FROM placed)
        """
}

/// A rejected signal, logged and recorded as a risk event.
/// $3 signal id, $4 session, $5 log reason, $6 symbol, $7 risk-event reason, $8 code, $9 strategy, $10 side.
/// Returns held, rows logged.
enum SignalRejection: TradingStatementKind {
    static let name = "signal_rejection"
    static let sql = """
        WITH \(fence), logged AS (
            INSERT INTO engine_signal_log (signal_id, session_id, outcome, reason)
            SELECT $3::int8, $4::int8, 'rejected', $5::text WHERE (SELECT held FROM fence)
            ON CONFLICT (signal_id) DO NOTHING RETURNING signal_id
        ), event AS (
            INSERT INTO risk_events (session_id, kind, symbol, reason, detail)
            SELECT $4::int8, 'signal_rejected', $6::text, $7::text,
                   jsonb_build_object('signal_id', $3::int8, 'code', $8::text, 'strategy', $9::text, 'side', $10::text)
            FROM logged
        )
        SELECT (SELECT held FROM fence), (SELECT count(*) FROM logged)
        """
}

/// An order's move to a new state, only from the state we believe it is in.
/// $3 order id, $4 from, $5 to, $6 reason (nullable), $7 broker, $8 exchange order id (nullable), $9 the quantity the
/// exchange works (nullable: unchanged). Returns held, rows changed.
enum OrderTransition: TradingStatementKind {
    static let name = "order_transition"
    static let sql = """
        WITH \(fence), changed AS (
            UPDATE orders SET status = $5::text, updated_at = now(), reject_reason = coalesce($6::text, reject_reason),
                              exchange_order_id = coalesce($8::text, exchange_order_id), quantity = coalesce($9::numeric, quantity)
            WHERE id = $3::int8 AND status = $4::text AND (SELECT held FROM fence)
            RETURNING id
        ), event AS (
            INSERT INTO order_events (order_id, from_status, to_status, detail)
            SELECT id, $4::text, $5::text,
                   jsonb_strip_nulls(jsonb_build_object('broker', $7::text, 'reason', $6::text, 'exchange_order_id', $8::text, 'quantity', $9::numeric::text))
            FROM changed
        )
        SELECT (SELECT held FROM fence), (SELECT count(*) FROM changed)
        """
}

/// A fill and everything it changes: the fill (idempotent by exchange fill id), the order, its event, the
/// position (kept or closed), the round trip, the balance and the session's peak.
/// $3 order id, $4 session, $5 exchange fill id, $6 symbol, $7 side, $8 quantity, $9 price, $10 fee, $11 expected price,
/// $12 slippage bps, $13 latency ms, $14 filled at, $15 order status, $16 filled quantity, $17 average fill price,
/// $18 previous status, $19 position open?, $20 position quantity, $21 average entry, $22 realized, $23 stop,
/// $24 take profit, $25 trailing stop, $26 highest, $27 opened at, $28 entry quantity, $29 entry fees, $30 exit quantity,
/// $31 exit notional, $32 exit fees, $33 entry order id, $34 trailing distance, $35 exit attempts, $36 mark,
/// $37 trade?, $38 trade quantity, $39 entry time, $40 entry price, $41 exit time, $42 exit price, $43 pnl, $44 fees,
/// $45 exit reason, $46 trade entry order, $47 trade exit order, $48 cash, $49 equity, $50 realized total,
/// $51 unrealized, $52 fees paid, $53 peak equity, $54 cost basis, $55 executed quantity when not the fill's (nullable),
/// $56 the exchange's commission as charged (nullable), $57 the open time of the bar it filled on (nullable: an exchange's).
/// Returns held, fills recorded (0: seen before).
enum FillRecord: TradingStatementKind {
    static let name = "fill_record"
    static let sql = """
        WITH \(fence), recorded AS (
            INSERT INTO fills (order_id, session_id, exchange_fill_id, symbol, side, quantity, price, fee, fee_asset,
                               expected_price, slippage_bps, latency_ms, filled_at)
            SELECT $3::int8, $4::int8, $5::text, $6::text, $7::text, $8::numeric, $9::numeric, $10::numeric, 'USDT',
                   $11::numeric, $12::numeric, $13::float8, $14::timestamptz
            WHERE (SELECT held FROM fence)
            ON CONFLICT (order_id, exchange_fill_id) DO NOTHING RETURNING id
        ), order_update AS (
            UPDATE orders SET status = $15::text, filled_quantity = $16::numeric, average_fill_price = $17::numeric, updated_at = now(),
                              last_fill_bar = coalesce($57::timestamptz, last_fill_bar)
            WHERE id = $3::int8 AND EXISTS (SELECT 1 FROM recorded)
        ), event AS (
            INSERT INTO order_events (order_id, from_status, to_status, detail)
            SELECT $3::int8, $18::text, $15::text,
                   jsonb_strip_nulls(jsonb_build_object('fill_id', id, 'quantity', $8::numeric::text, 'price', $9::numeric::text,
                                                        'executed_quantity', $55::numeric::text, 'commission', $56::text))
            FROM recorded
        ), position_kept AS (
            INSERT INTO positions (session_id, symbol, quantity, average_entry_price, realized_pnl, stop_price, take_profit_price,
                                   trailing_stop_price, highest_price, opened_at, updated_at, entry_quantity, entry_fees, exit_quantity,
                                   exit_notional, exit_fees, entry_order_id, trailing_distance, exit_attempts, mark_price, cost_basis)
            SELECT $4::int8, $6::text, $20::numeric, $21::numeric, $22::numeric, $23::numeric, $24::numeric, $25::numeric,
                   $26::numeric, $27::timestamptz, now(), $28::numeric, $29::numeric, $30::numeric, $31::numeric, $32::numeric,
                   $33::int8, $34::numeric, $35::int4, $36::numeric, $54::numeric
            WHERE $19::bool AND EXISTS (SELECT 1 FROM recorded)
            ON CONFLICT (session_id, symbol) DO UPDATE SET
                quantity = EXCLUDED.quantity, average_entry_price = EXCLUDED.average_entry_price, realized_pnl = EXCLUDED.realized_pnl,
                stop_price = EXCLUDED.stop_price, take_profit_price = EXCLUDED.take_profit_price,
                trailing_stop_price = EXCLUDED.trailing_stop_price, highest_price = EXCLUDED.highest_price, updated_at = now(),
                entry_quantity = EXCLUDED.entry_quantity, entry_fees = EXCLUDED.entry_fees, exit_quantity = EXCLUDED.exit_quantity,
                exit_notional = EXCLUDED.exit_notional, exit_fees = EXCLUDED.exit_fees, entry_order_id = EXCLUDED.entry_order_id,
                trailing_distance = EXCLUDED.trailing_distance, exit_attempts = EXCLUDED.exit_attempts,
                mark_price = coalesce(EXCLUDED.mark_price, positions.mark_price), cost_basis = EXCLUDED.cost_basis
        ), position_closed AS (
            DELETE FROM positions WHERE session_id = $4::int8 AND symbol = $6::text AND NOT $19::bool AND EXISTS (SELECT 1 FROM recorded)
        ), round_trip AS (
            INSERT INTO trades (session_id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, pnl, fees,
                                exit_reason, entry_order_id, exit_order_id)
            SELECT $4::int8, $6::text, 'long', $38::numeric, $39::timestamptz, $40::numeric, $41::timestamptz, $42::numeric,
                   $43::numeric, $44::numeric, $45::text, $46::int8, $47::int8
            WHERE $37::bool AND EXISTS (SELECT 1 FROM recorded)
        ), balance AS (
            INSERT INTO account_balances (session_id, cash, equity, realized_pnl, unrealized_pnl, fees_paid, market_time)
            SELECT $4::int8, $48::numeric, $49::numeric, $50::numeric, $51::numeric, $52::numeric, $14::timestamptz
            WHERE EXISTS (SELECT 1 FROM recorded)
        ), peak AS (
            UPDATE trading_sessions SET peak_equity = $53::numeric WHERE id = $4::int8 AND EXISTS (SELECT 1 FROM recorded)
        )
        SELECT (SELECT held FROM fence), (SELECT count(*) FROM recorded)
        """
}

/// An equity snapshot between fills: the balance, the session's risk references, and the marks and trailing
/// stops of open positions (arrays of text, '' for none).
/// $3 session, $4 cash, $5 equity, $6 realized, $7 unrealized, $8 fees paid, $9 market time, $10 peak, $11 trading day,
/// $12 day start equity, $13 symbols, $14 highest, $15 trailing stops, $16 marks, $17 symbols whose bars were processed,
/// $18 the newest processed bar's open time for each (epoch seconds), $19 whether a balance row is added. Returns held.
enum EquitySnapshotRecord: TradingStatementKind {
    static let name = "equity_snapshot"
    static let sql = """
        WITH \(fence), balance AS (
            INSERT INTO account_balances (session_id, cash, equity, realized_pnl, unrealized_pnl, fees_paid, market_time)
            SELECT $3::int8, $4::numeric, $5::numeric, $6::numeric, $7::numeric, $8::numeric, $9::timestamptz
            WHERE (SELECT held FROM fence) AND $19::bool
        ), cursors AS (
            INSERT INTO engine_bar_cursors (session_id, symbol, last_bar_open_time)
            SELECT $3::int8, c.symbol_text, to_timestamp(c.open_epoch) FROM unnest($17::text[], $18::float8[]) AS c(symbol_text, open_epoch)
            WHERE (SELECT held FROM fence)
            ON CONFLICT (session_id, symbol) DO UPDATE
                SET last_bar_open_time = greatest(engine_bar_cursors.last_bar_open_time, EXCLUDED.last_bar_open_time), updated_at = now()
        ), session AS (
            UPDATE trading_sessions SET peak_equity = $10::numeric, trading_day = $11::text::date, day_start_equity = $12::numeric
            WHERE id = $3::int8 AND (SELECT held FROM fence)
        ), marks AS (
            UPDATE positions p SET highest_price = coalesce(nullif(u.highest_text, '')::numeric, p.highest_price),
                                   trailing_stop_price = nullif(u.trailing_text, '')::numeric,
                                   mark_price = coalesce(nullif(u.mark_text, '')::numeric, p.mark_price), updated_at = now()
            FROM unnest($13::text[], $14::text[], $15::text[], $16::text[]) AS u(symbol_text, highest_text, trailing_text, mark_text)
            WHERE p.session_id = $3::int8 AND p.symbol = u.symbol_text AND (SELECT held FROM fence)
        )
        SELECT (SELECT held FROM fence)
        """
}

/// The signals with these ids ($1), oldest first: how a pushed signal is read back from the source of truth.
enum SignalsByID: TradingStatementKind {
    static let name = "signals_by_id"
    static let sql = "SELECT \(PostgresTradingRepository.signalColumns) FROM signals s WHERE s.id = ANY($1::int8[]) ORDER BY s.id"
}

extension PostgresBindings {
    /// Bindings starting with the leader fence ($1, $2).
    static func fenced(_ fence: LeaderFence) -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(fence.backendPID)
        bindings.append(fence.backendStartMicroseconds)
        return bindings
    }
}
