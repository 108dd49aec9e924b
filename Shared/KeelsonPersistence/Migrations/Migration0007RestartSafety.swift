enum Migration0007RestartSafety {
    static let migration = Migration(
        version: 7,
        name: "restart_safety",
        up: """
            -- An exit commits, in the same transaction, the cancel of the entry orders still working for its symbol: the
            -- reason is written here and the order is canceled at the broker afterwards. An open order with a reason is
            -- never worked again, not even after a crash between the two.
            ALTER TABLE orders ADD COLUMN cancel_requested text;

            -- The open time of the bar a paper order last filled on: an order fills at most once per bar, also when a
            -- restart processes that bar again.
            ALTER TABLE orders ADD COLUMN last_fill_bar timestamptz;

            -- The newest bar the engine has processed (fills, stops, marks) per session and symbol: after a restart it
            -- replays every stored bar after it before taking new ones, so bars stored while it was down are traded on.
            CREATE TABLE engine_bar_cursors (
                session_id         bigint      NOT NULL REFERENCES trading_sessions (id) ON DELETE CASCADE,
                symbol             text        NOT NULL,
                last_bar_open_time timestamptz NOT NULL,
                updated_at         timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (session_id, symbol)
            );
            """,
        down: """
            DROP TABLE IF EXISTS engine_bar_cursors;
            ALTER TABLE orders DROP COLUMN IF EXISTS cancel_requested, DROP COLUMN IF EXISTS last_fill_bar;
            """
    )
}
