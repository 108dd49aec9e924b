enum Migration0002Trading {
    static let migration = Migration(
        version: 2,
        name: "trading",
        up: """
            CREATE TABLE trading_sessions (
                id              bigserial PRIMARY KEY,
                mode            text        NOT NULL CHECK (mode IN ('paper', 'live')),
                status          text        NOT NULL CHECK (status IN ('active', 'halted', 'stopped')),
                status_reason   text,
                initial_balance numeric     NOT NULL CHECK (initial_balance >= 0),
                peak_equity     numeric     NOT NULL,
                configuration   jsonb       NOT NULL DEFAULT '{}',
                started_at      timestamptz NOT NULL DEFAULT now(),
                ended_at        timestamptz
            );
            CREATE INDEX trading_sessions_started_idx ON trading_sessions (started_at DESC);

            CREATE TABLE orders (
                id                 bigserial PRIMARY KEY,
                session_id         bigint      NOT NULL REFERENCES trading_sessions (id),
                client_order_id    text        NOT NULL UNIQUE,
                exchange_order_id  text,
                symbol             text        NOT NULL,
                side               text        NOT NULL CHECK (side IN ('buy', 'sell')),
                type               text        NOT NULL CHECK (type IN ('market', 'limit')),
                quantity           numeric     NOT NULL CHECK (quantity > 0),
                limit_price        numeric,
                status             text        NOT NULL CHECK (status IN
                    ('new', 'submitted', 'partially_filled', 'filled', 'canceled', 'rejected', 'expired')),
                filled_quantity    numeric     NOT NULL DEFAULT 0,
                average_fill_price numeric,
                cause              text        NOT NULL,
                signal_id          bigint      REFERENCES signals (id),
                reject_reason      text,
                created_at         timestamptz NOT NULL DEFAULT now(),
                updated_at         timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX orders_session_status_idx ON orders (session_id, status);
            CREATE INDEX orders_open_idx ON orders (status) WHERE status IN ('new', 'submitted', 'partially_filled');

            CREATE TABLE order_events (
                id          bigserial PRIMARY KEY,
                order_id    bigint      NOT NULL REFERENCES orders (id),
                from_status text,
                to_status   text        NOT NULL,
                detail      jsonb       NOT NULL DEFAULT '{}',
                occurred_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX order_events_order_idx ON order_events (order_id, id);

            CREATE TABLE fills (
                id               bigserial PRIMARY KEY,
                order_id         bigint      NOT NULL REFERENCES orders (id),
                session_id       bigint      NOT NULL REFERENCES trading_sessions (id),
                exchange_fill_id text        NOT NULL,
                symbol           text        NOT NULL,
                side             text        NOT NULL CHECK (side IN ('buy', 'sell')),
                quantity         numeric     NOT NULL CHECK (quantity > 0),
                price            numeric     NOT NULL CHECK (price > 0),
                fee              numeric     NOT NULL DEFAULT 0,
                fee_asset        text        NOT NULL,
                expected_price   numeric,
                slippage_bps     numeric,
                latency_ms       double precision,
                filled_at        timestamptz NOT NULL,
                UNIQUE (order_id, exchange_fill_id)
            );
            CREATE INDEX fills_session_time_idx ON fills (session_id, filled_at);

            CREATE TABLE positions (
                session_id          bigint      NOT NULL REFERENCES trading_sessions (id),
                symbol              text        NOT NULL,
                quantity            numeric     NOT NULL,
                average_entry_price numeric     NOT NULL,
                realized_pnl        numeric     NOT NULL DEFAULT 0,
                stop_price          numeric,
                take_profit_price   numeric,
                trailing_stop_price numeric,
                highest_price       numeric,
                opened_at           timestamptz NOT NULL,
                updated_at          timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (session_id, symbol)
            );

            CREATE TABLE trades (
                id            bigserial PRIMARY KEY,
                session_id    bigint      NOT NULL REFERENCES trading_sessions (id),
                symbol        text        NOT NULL,
                side          text        NOT NULL CHECK (side IN ('long', 'short')),
                quantity      numeric     NOT NULL CHECK (quantity > 0),
                entry_time    timestamptz NOT NULL,
                entry_price   numeric     NOT NULL,
                exit_time     timestamptz NOT NULL,
                exit_price    numeric     NOT NULL,
                pnl           numeric     NOT NULL,
                fees          numeric     NOT NULL DEFAULT 0,
                exit_reason   text        NOT NULL,
                entry_order_id bigint     REFERENCES orders (id),
                exit_order_id  bigint     REFERENCES orders (id)
            );
            CREATE INDEX trades_session_exit_idx ON trades (session_id, exit_time DESC);
            CREATE INDEX trades_symbol_exit_idx ON trades (symbol, exit_time DESC);

            CREATE TABLE account_balances (
                id             bigserial PRIMARY KEY,
                session_id     bigint      NOT NULL REFERENCES trading_sessions (id),
                cash           numeric     NOT NULL,
                equity         numeric     NOT NULL,
                realized_pnl   numeric     NOT NULL,
                unrealized_pnl numeric     NOT NULL,
                fees_paid      numeric     NOT NULL DEFAULT 0,
                recorded_at    timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX account_balances_session_time_idx ON account_balances (session_id, recorded_at DESC);

            CREATE TABLE risk_events (
                id          bigserial PRIMARY KEY,
                session_id  bigint      REFERENCES trading_sessions (id),
                kind        text        NOT NULL,
                symbol      text,
                reason      text        NOT NULL,
                detail      jsonb       NOT NULL DEFAULT '{}',
                occurred_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX risk_events_session_time_idx ON risk_events (session_id, occurred_at DESC);
            """,
        down: """
            DROP TABLE IF EXISTS risk_events;
            DROP TABLE IF EXISTS account_balances;
            DROP TABLE IF EXISTS trades;
            DROP TABLE IF EXISTS positions;
            DROP TABLE IF EXISTS fills;
            DROP TABLE IF EXISTS order_events;
            DROP TABLE IF EXISTS orders;
            DROP TABLE IF EXISTS trading_sessions;
            """
    )
}
