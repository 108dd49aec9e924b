enum Migration0021ShadowBooks {
    static let migration = Migration(
        version: 21,
        name: "shadow_books",
        up: """
            -- The market time from which a candidate trades in its shadow book: the first bar the signal service
            -- evaluated it on. Its shadow figures replay the stored candles from there, so every replica, and a
            -- restarted one, measures the same shadow book.
            ALTER TABLE strategy_states ADD COLUMN shadow_since timestamptz;
            -- The candidate's shadow figures at the latest evaluation (trades, win rate, PnL, drawdown, Sharpe), for
            -- the strategy views; the book itself is never stored.
            ALTER TABLE strategy_states ADD COLUMN shadow_figures jsonb;
            """,
        down: """
            ALTER TABLE strategy_states DROP COLUMN shadow_figures;
            ALTER TABLE strategy_states DROP COLUMN shadow_since;
            """
    )
}
