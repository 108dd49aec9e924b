enum Migration0014AppliedParameters {
    static let migration = Migration(
        version: 14,
        name: "applied_parameters",
        up: """
            -- An instance is configured in the strategies file, or derived from one by applying an optimisation run's
            -- parameters (`keelson strategies apply-params`): a derived instance is not in the file, so a restart of the
            -- signal service does not mark it unconfigured, and it is evaluated from its stored definition.
            ALTER TABLE strategy_states
                ADD COLUMN origin       text NOT NULL DEFAULT 'file' CHECK (origin IN ('file', 'applied')),
                ADD COLUMN derived_from text;

            -- Each applied change: the instance it was applied to, the parameters before and after, why, by whom, from
            -- which optimisation run, and the instance that trades them.
            ALTER TABLE parameter_history
                ADD COLUMN instance   text,
                ADD COLUMN previous   jsonb,
                ADD COLUMN reason     text NOT NULL DEFAULT '',
                ADD COLUMN actor      text NOT NULL DEFAULT '',
                ADD COLUMN run_key    text REFERENCES optimization_runs (run_key),
                ADD COLUMN applied_as text;
            CREATE INDEX parameter_history_instance_idx ON parameter_history (instance, changed_at DESC);
            """,
        down: """
            DROP INDEX IF EXISTS parameter_history_instance_idx;
            ALTER TABLE parameter_history
                DROP COLUMN IF EXISTS instance, DROP COLUMN IF EXISTS previous, DROP COLUMN IF EXISTS reason,
                DROP COLUMN IF EXISTS actor, DROP COLUMN IF EXISTS run_key, DROP COLUMN IF EXISTS applied_as;
            ALTER TABLE strategy_states DROP COLUMN IF EXISTS origin, DROP COLUMN IF EXISTS derived_from;
            """
    )
}
