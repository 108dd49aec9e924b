enum Migration0006Backups {
    static let migration = Migration(
        version: 6,
        name: "backups",
        up: """
            -- One row per backup `keelson backup create` finished, written after the dump (so a backup never contains its
            -- own row). The gateway exports the newest as keelson_backup_last_success_timestamp_seconds for the
            -- stale-backup alert.
            CREATE TABLE backup_runs (
                id             bigserial   PRIMARY KEY,
                dump_file      text        NOT NULL,
                created_at     timestamptz NOT NULL,
                size_bytes     bigint      NOT NULL,
                sha256         text        NOT NULL,
                schema_version integer     NOT NULL,
                recorded_at    timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX backup_runs_created_idx ON backup_runs (created_at DESC);
            """,
        down: """
            DROP TABLE IF EXISTS backup_runs;
            """
    )
}
