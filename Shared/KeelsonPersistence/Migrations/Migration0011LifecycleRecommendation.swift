enum Migration0011LifecycleRecommendation {
    static let migration = Migration(
        version: 11,
        name: "lifecycle_recommendation",
        up: """
            -- In manual mode the lifecycle rules do not move an instance; what they would do is kept here, shown with
            -- the instance, and cleared when the rules no longer say it (or a move is made).
            ALTER TABLE strategy_states
                ADD COLUMN recommendation        text CHECK (recommendation IN ('candidate', 'active', 'probation', 'retired', 'disabled')),
                ADD COLUMN recommendation_reason text,
                ADD COLUMN recommended_at        timestamptz;
            """,
        down: """
            ALTER TABLE strategy_states DROP COLUMN IF EXISTS recommendation, DROP COLUMN IF EXISTS recommendation_reason,
                DROP COLUMN IF EXISTS recommended_at;
            """
    )
}
