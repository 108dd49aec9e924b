enum Migration0021ShadowBooks {
    static let migration = Migration(
        version: 21,
        name: "shadow_books",
        up: """
            -- The market time from which a candidate trades in its shadow book: the first bar the signal service
            -- evaluated it on. Its shadow figures replay the stored candles from there, so every replica, and a
            -- restarted one, measures the same shadow book.
            ALTER TABLE strategy_states ADD COLUMN shadow_since timestamptz;
            """,
        down: """
            ALTER TABLE strategy_states DROP COLUMN shadow_since;
            """
    )
}
