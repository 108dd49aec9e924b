-- What holds over the trading tables at every committed moment, however often the engine or the database was
-- killed: one row per invariant with the number of rows that break it (0 when it holds). Run by the random kill
-- tests (Tests/EngineTests/SettledRunInvariants.swift) and the database outage check (scripts/check-outage.sh).
SELECT 'a client order id used twice' AS invariant, count(*)::int AS violations
FROM (SELECT client_order_id FROM orders GROUP BY 1 HAVING count(*) > 1) d
UNION ALL
SELECT 'more than one order for a signal', count(*)::int
FROM (SELECT signal_id FROM orders WHERE signal_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d
UNION ALL
SELECT 'the same fill recorded twice', count(*)::int
FROM (SELECT 1 FROM fills GROUP BY order_id, filled_at, quantity, price HAVING count(*) > 1) d
UNION ALL
SELECT 'an order whose filled quantity is not the sum of its fills', count(*)::int
FROM orders o WHERE o.filled_quantity <> (SELECT coalesce(sum(quantity), 0) FROM fills WHERE order_id = o.id)
UNION ALL
SELECT 'a fill beyond its order''s quantity', count(*)::int
FROM orders WHERE filled_quantity > quantity
UNION ALL
SELECT 'a position that is not the sum of its fills', count(*)::int
FROM (SELECT session_id, symbol, sum(CASE side WHEN 'buy' THEN quantity ELSE -quantity END) AS held FROM fills GROUP BY 1, 2) f
FULL JOIN positions p USING (session_id, symbol)
WHERE coalesce(f.held, 0) <> coalesce(p.quantity, 0)
UNION ALL
SELECT 'a signal decided twice or logged as ordered without its order', count(*)::int
FROM engine_signal_log l
WHERE l.outcome = 'ordered' AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = l.order_id AND o.signal_id = l.signal_id)
UNION ALL
SELECT 'a signal rejected without a reason', count(*)::int
FROM engine_signal_log WHERE outcome = 'rejected' AND reason = ''
UNION ALL
SELECT 'cash that is not the initial balance plus sales less purchases and fees', count(*)::int
FROM trading_sessions s
JOIN LATERAL (SELECT cash FROM account_balances WHERE session_id = s.id ORDER BY id DESC LIMIT 1) b ON true
WHERE b.cash <> s.initial_balance
    + (SELECT coalesce(sum(CASE side WHEN 'sell' THEN quantity * price ELSE -quantity * price END) - sum(fee), 0) FROM fills WHERE session_id = s.id)
