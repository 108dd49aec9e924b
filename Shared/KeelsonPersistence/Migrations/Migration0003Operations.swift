enum Migration0003Operations {
    static let migration = Migration(
        version: 3,
        name: "operations",
        up: """
            CREATE TABLE strategy_states (
                strategy    text        NOT NULL,
                symbol      text        NOT NULL,
                "interval"  text        NOT NULL,
                status      text        NOT NULL CHECK (status IN ('candidate', 'active', 'retired')),
                parameters  jsonb       NOT NULL DEFAULT '{}',
                updated_at  timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (strategy, symbol, "interval")
            );

            CREATE TABLE strategy_lifecycle_events (
                id          bigserial PRIMARY KEY,
                strategy    text        NOT NULL,
                symbol      text        NOT NULL,
                "interval"  text        NOT NULL,
                from_status text,
                to_status   text        NOT NULL CHECK (to_status IN ('candidate', 'active', 'retired')),
                reason      text        NOT NULL,
                occurred_at timestamptz NOT NULL DEFAULT now()
            );

            CREATE TABLE parameter_history (
                id          bigserial PRIMARY KEY,
                strategy    text        NOT NULL,
                parameters  jsonb       NOT NULL,
                source      text        NOT NULL,
                changed_at  timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX parameter_history_strategy_idx ON parameter_history (strategy, changed_at DESC);

            CREATE TABLE optimization_runs (
                id              bigserial PRIMARY KEY,
                strategy        text        NOT NULL,
                status          text        NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
                objective       text        NOT NULL,
                search_space    jsonb       NOT NULL DEFAULT '{}',
                best_parameters jsonb,
                results         jsonb,
                started_at      timestamptz NOT NULL DEFAULT now(),
                finished_at     timestamptz
            );

            CREATE TABLE api_keys (
                id           text        PRIMARY KEY,
                name         text        NOT NULL,
                role         text        NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
                secret_hash  text        NOT NULL,
                created_at   timestamptz NOT NULL DEFAULT now(),
                last_used_at timestamptz,
                revoked_at   timestamptz
            );

            CREATE TABLE audit_log (
                id             bigserial PRIMARY KEY,
                occurred_at    timestamptz NOT NULL DEFAULT now(),
                actor_key_id   text,
                actor_name     text,
                action         text        NOT NULL,
                reason         text,
                outcome        text        NOT NULL,
                source_address text,
                detail         jsonb       NOT NULL DEFAULT '{}'
            );
            CREATE INDEX audit_log_time_idx ON audit_log (occurred_at DESC);
            """,
        down: """
            DROP TABLE IF EXISTS audit_log;
            DROP TABLE IF EXISTS api_keys;
            DROP TABLE IF EXISTS optimization_runs;
            DROP TABLE IF EXISTS parameter_history;
            DROP TABLE IF EXISTS strategy_lifecycle_events;
            DROP TABLE IF EXISTS strategy_states;
            """
    )
}
