enum Migration0001MarketData {
    static let migration = Migration(
        version: 1,
        name: "market_data",
        up: """
            CREATE TABLE candles (
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
                ingested_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (exchange, symbol, "interval", open_time),
                CHECK (high >= low AND volume >= 0 AND close_time > open_time)
            );

            CREATE TABLE signals (
                id          bigserial PRIMARY KEY,
                strategy    text        NOT NULL,
                symbol      text        NOT NULL,
                "interval"  text        NOT NULL,
                bar_time    timestamptz NOT NULL,
                side        text        NOT NULL CHECK (side IN ('buy', 'sell')),
                strength    double precision NOT NULL DEFAULT 1,
                price       numeric     NOT NULL,
                reason      text        NOT NULL DEFAULT '',
                created_at  timestamptz NOT NULL DEFAULT now(),
                UNIQUE (strategy, symbol, "interval", bar_time)
            );
            CREATE INDEX signals_symbol_created_idx ON signals (symbol, created_at);
            """,
        down: """
            DROP TABLE IF EXISTS signals;
            DROP TABLE IF EXISTS candles;
            """
    )
}
