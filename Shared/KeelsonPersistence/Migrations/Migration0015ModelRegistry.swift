enum Migration0015ModelRegistry {
    static let migration = Migration(
        version: 15,
        name: "model_registry",
        up: """
            -- Each trained prediction model version: what it computes and how it was made (kind, features with their
            -- frozen statistics, label, hyper-parameters, training and test windows, metrics), the artefact itself
            -- (model.json) with its SHA-256, who trained it, and its state. At most one active version per name.
            CREATE TABLE model_versions (
                id               bigserial PRIMARY KEY,
                name             text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
                version          integer NOT NULL,
                kind             text NOT NULL CHECK (kind IN ('logistic', 'gbdt')),
                features         jsonb NOT NULL,
                label            text NOT NULL,
                hyper_parameters jsonb NOT NULL,
                training_from    timestamptz NOT NULL,
                training_to      timestamptz NOT NULL,
                training_rows    integer NOT NULL,
                test_from        timestamptz,
                test_to          timestamptz,
                test_rows        integer,
                metrics          jsonb NOT NULL,
                artefact         bytea NOT NULL,
                artefact_sha256  text NOT NULL CHECK (artefact_sha256 ~ '^[0-9a-f]{64}$'),
                data_source      text NOT NULL,
                trained_by       text NOT NULL,
                state            text NOT NULL DEFAULT 'candidate' CHECK (state IN ('candidate', 'active', 'retired')),
                created_at       timestamptz NOT NULL DEFAULT now(),
                UNIQUE (name, version)
            );
            CREATE UNIQUE INDEX model_versions_one_active_idx ON model_versions (name) WHERE state = 'active';

            -- Every decision about a version: registered, promoted, retired, kept (a retraining that did not beat
            -- the active version), with the reason, who made it and the figures it was made on.
            CREATE TABLE model_events (
                id         bigserial PRIMARY KEY,
                model_id   bigint NOT NULL REFERENCES model_versions (id),
                from_state text,
                to_state   text NOT NULL,
                reason     text NOT NULL,
                actor      text NOT NULL,
                figures    jsonb,
                at         timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX model_events_model_idx ON model_events (model_id, at DESC);
            """,
        down: """
            DROP TABLE IF EXISTS model_events;
            DROP TABLE IF EXISTS model_versions;
            """
    )
}
