enum Migration0012CapitalAllocations {
    static let migration = Migration(
        version: 12,
        name: "capital_allocations",
        up: """
            -- Each computation of how the capital limit is split across strategy instances: one row per instance, all
            -- rows of one computation sharing computed_at, with what it was computed from.
            CREATE TABLE capital_allocations (
                id          bigserial   PRIMARY KEY,
                computed_at timestamptz NOT NULL,
                instance    text        NOT NULL REFERENCES strategy_states (instance),
                status      text        NOT NULL,
                share       double precision NOT NULL CHECK (share >= 0 AND share <= 1),
                amount      numeric     NOT NULL CHECK (amount >= 0),
                capital_limit numeric   NOT NULL,
                inputs      jsonb       NOT NULL DEFAULT '{}'
            );
            CREATE INDEX capital_allocations_time_idx ON capital_allocations (computed_at DESC);
            """,
        down: """
            DROP TABLE IF EXISTS capital_allocations;
            """
    )
}
