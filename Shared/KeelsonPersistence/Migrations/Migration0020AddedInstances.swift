enum Migration0020AddedInstances {
    static let migration = Migration(
        version: 20,
        name: "added_instances",
        up: """
            -- An instance added at run time by an operator (`keelson strategies add`), beside those of the strategies
            -- file and those applied from an optimisation run; the signal service loads it like an applied one.
            ALTER TABLE strategy_states DROP CONSTRAINT strategy_states_origin_check;
            ALTER TABLE strategy_states ADD CONSTRAINT strategy_states_origin_check CHECK (origin IN ('file', 'applied', 'added'));
            """,
        down: """
            UPDATE strategy_states SET origin = 'applied' WHERE origin = 'added';
            ALTER TABLE strategy_states DROP CONSTRAINT strategy_states_origin_check;
            ALTER TABLE strategy_states ADD CONSTRAINT strategy_states_origin_check CHECK (origin IN ('file', 'applied'));
            """
    )
}
