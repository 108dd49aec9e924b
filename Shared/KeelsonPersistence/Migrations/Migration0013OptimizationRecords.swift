enum Migration0013OptimizationRecords {
    static let migration = Migration(
        version: 13,
        name: "optimization_records",
        up: """
            -- A search as asked (the arguments, so `keelson optimize collect` can rebuild it), over which data, by whom,
            -- how long it took; its trials are stored per shard so the pods of a Kubernetes job can run it together.
            ALTER TABLE optimization_runs
                ADD COLUMN run_key          text UNIQUE,
                ADD COLUMN requested_by     text    NOT NULL DEFAULT '',
                ADD COLUMN arguments        jsonb   NOT NULL DEFAULT '[]',
                ADD COLUMN data_source      text    NOT NULL DEFAULT '',
                ADD COLUMN data_from        timestamptz,
                ADD COLUMN data_to          timestamptz,
                ADD COLUMN bars             bigint,
                ADD COLUMN trials           integer,
                ADD COLUMN shards           integer NOT NULL DEFAULT 1 CHECK (shards >= 1),
                ADD COLUMN folds            jsonb,
                ADD COLUMN duration_seconds double precision;

            CREATE TABLE optimization_trials (
                run_id      bigint  NOT NULL REFERENCES optimization_runs (id) ON DELETE CASCADE,
                trial       integer NOT NULL CHECK (trial >= 0),
                shard       integer NOT NULL,
                fold        integer NOT NULL,
                combination integer NOT NULL,
                statistics  jsonb   NOT NULL,
                PRIMARY KEY (run_id, trial)
            );
            """,
        down: """
            DROP TABLE IF EXISTS optimization_trials;
            ALTER TABLE optimization_runs
                DROP COLUMN IF EXISTS run_key, DROP COLUMN IF EXISTS requested_by, DROP COLUMN IF EXISTS arguments,
                DROP COLUMN IF EXISTS data_source, DROP COLUMN IF EXISTS data_from, DROP COLUMN IF EXISTS data_to,
                DROP COLUMN IF EXISTS bars, DROP COLUMN IF EXISTS trials, DROP COLUMN IF EXISTS shards, DROP COLUMN IF EXISTS folds,
                DROP COLUMN IF EXISTS duration_seconds;
            """
    )
}
