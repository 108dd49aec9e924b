enum Migration0004Engine {
    static let migration = Migration(
        version: 4,
        name: "engine",
        up: """
            -- One row per signal the engine has decided on: the idempotency record that makes a signal delivered
            -- twice (push and catch-up, a retry, a restart) trade once.
            CREATE TABLE engine_signal_log (
                signal_id    bigint      PRIMARY KEY REFERENCES signals (id),
                session_id   bigint      NOT NULL REFERENCES trading_sessions (id),
                outcome      text        NOT NULL CHECK (outcome IN ('ordered', 'rejected')),
                reason       text        NOT NULL DEFAULT '',
                order_id     bigint      REFERENCES orders (id),
                processed_at timestamptz NOT NULL DEFAULT now()
            );

            -- The trading day in market time and the equity it started with, for the daily loss limit.
            ALTER TABLE trading_sessions
                ADD COLUMN trading_day      date,
                ADD COLUMN day_start_equity numeric;

            -- What the order was decided on: the market time after which it may fill (the next price seen), the
            -- price expected at decision time, and for entries the exits planned as distances from the fill price.
            ALTER TABLE orders
                ADD COLUMN decided_after_bar timestamptz,
                ADD COLUMN expected_price    numeric,
                ADD COLUMN planned_exits     jsonb;

            -- The round trip in progress, so a restart rebuilds it exactly.
            ALTER TABLE positions
                ADD COLUMN cost_basis        numeric NOT NULL DEFAULT 0,
                ADD COLUMN entry_quantity    numeric NOT NULL DEFAULT 0,
                ADD COLUMN entry_fees        numeric NOT NULL DEFAULT 0,
                ADD COLUMN exit_quantity     numeric NOT NULL DEFAULT 0,
                ADD COLUMN exit_notional     numeric NOT NULL DEFAULT 0,
                ADD COLUMN exit_fees         numeric NOT NULL DEFAULT 0,
                ADD COLUMN entry_order_id    bigint  REFERENCES orders (id),
                ADD COLUMN trailing_distance numeric,
                ADD COLUMN exit_attempts     integer NOT NULL DEFAULT 0,
                ADD COLUMN mark_price        numeric;

            -- Equity snapshots in market time too, for performance by period.
            ALTER TABLE account_balances ADD COLUMN market_time timestamptz;
            CREATE INDEX account_balances_session_market_idx ON account_balances (session_id, market_time);
            CREATE INDEX fills_order_idx ON fills (order_id);
            """,
        down: """
            DROP INDEX IF EXISTS fills_order_idx;
            DROP INDEX IF EXISTS account_balances_session_market_idx;
            ALTER TABLE account_balances DROP COLUMN IF EXISTS market_time;
            ALTER TABLE positions
                DROP COLUMN IF EXISTS cost_basis, DROP COLUMN IF EXISTS entry_quantity, DROP COLUMN IF EXISTS entry_fees, DROP COLUMN IF EXISTS exit_quantity,
                DROP COLUMN IF EXISTS exit_notional, DROP COLUMN IF EXISTS exit_fees, DROP COLUMN IF EXISTS entry_order_id,
                DROP COLUMN IF EXISTS trailing_distance, DROP COLUMN IF EXISTS exit_attempts, DROP COLUMN IF EXISTS mark_price;
            ALTER TABLE orders DROP COLUMN IF EXISTS decided_after_bar, DROP COLUMN IF EXISTS expected_price, DROP COLUMN IF EXISTS planned_exits;
            ALTER TABLE trading_sessions DROP COLUMN IF EXISTS trading_day, DROP COLUMN IF EXISTS day_start_equity;
            DROP TABLE IF EXISTS engine_signal_log;
            """
    )
}
