enum Migration0018BackupFigures {
    static let migration = Migration(
        version: 18,
        name: "backup_figures",
        up: """
            -- How long each backup took, and where its verified off-site copy is: the gateway exports both, so the
            -- stale-backup alerts watch the copy away from the database's disk as well as the dump beside it.
            ALTER TABLE backup_runs ADD COLUMN duration_seconds double precision CHECK (duration_seconds >= 0);
            ALTER TABLE backup_runs ADD COLUMN offsite text;
            ALTER TABLE backup_runs ADD COLUMN offsite_verified_at timestamptz;
            """,
        down: """
            ALTER TABLE backup_runs DROP COLUMN offsite_verified_at;
            ALTER TABLE backup_runs DROP COLUMN offsite;
            ALTER TABLE backup_runs DROP COLUMN duration_seconds;
            """
    )
}
