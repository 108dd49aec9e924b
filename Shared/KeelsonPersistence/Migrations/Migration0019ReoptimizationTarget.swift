enum Migration0019ReoptimizationTarget {
    static let migration = Migration(
        version: 19,
        name: "reoptimization_target",
        up: """
            -- The instance a search may replace (`keelson optimize --apply-to ID`): a scheduled re-optimisation with
            -- --every-trades / --every-hours counts from the last finished run for the same instance.
            ALTER TABLE optimization_runs ADD COLUMN apply_to text;
            CREATE INDEX optimization_runs_apply_to_idx ON optimization_runs (apply_to, started_at DESC) WHERE apply_to IS NOT NULL;
            """,
        down: """
            DROP INDEX IF EXISTS optimization_runs_apply_to_idx;
            ALTER TABLE optimization_runs DROP COLUMN apply_to;
            """
    )
}
