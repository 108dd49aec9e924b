enum Migration0005Archive {
    static let migration = Migration(
        version: 5,
        name: "archive",
        up: """
            -- Where `keelson data archive` moves old candles and closed trades, out of the tables the services read hot.
            -- The same columns in the same order as candles and trades (a row moves with INSERT … SELECT, and
            -- `SELECT * FROM trades UNION ALL SELECT * FROM trades_archive` reads both), the same keys, and no foreign
            -- keys: an archived row must not keep a session or an order from being archived or removed later.
            CREATE TABLE candles_archive (
                exchange    text        NOT NULL,
                symbol      text        NOT NULL,
                "interval"  text        NOT NULL,
                open_time   timestamptz NOT NULL,
                close_time  timestamptz NOT NULL,
                open        numeric     NOT NULL,
                high        numeric     NOT NULL,
                low         numeric     NOT NULL,
                close       numeric     NOT NULL,
                volume      numeric     NOT NULL,
                source      text        NOT NULL,
                ingested_at timestamptz NOT NULL,
                PRIMARY KEY (exchange, symbol, "interval", open_time)
            );

            CREATE TABLE trades_archive (
                id             bigint      PRIMARY KEY,
                session_id     bigint      NOT NULL,
                symbol         text        NOT NULL,
                side           text        NOT NULL,
                quantity       numeric     NOT NULL,
                entry_time     timestamptz NOT NULL,
                entry_price    numeric     NOT NULL,
                exit_time      timestamptz NOT NULL,
                exit_price     numeric     NOT NULL,
                pnl            numeric     NOT NULL,
                fees           numeric     NOT NULL,
                exit_reason    text        NOT NULL,
                entry_order_id bigint,
                exit_order_id  bigint
            );
            CREATE INDEX trades_archive_session_exit_idx ON trades_archive (session_id, exit_time DESC);
            CREATE INDEX trades_archive_symbol_exit_idx ON trades_archive (symbol, exit_time DESC);
            """,
        down: """
            DROP TABLE IF EXISTS trades_archive;
            DROP TABLE IF EXISTS candles_archive;
            """
    )
}
