enum Migration0009NotificationIndex {
    static let migration = Migration(
        version: 9,
        name: "notification_index",
        up: """
            -- The dispatcher looks for the last day's events that a channel has not been given yet.
            CREATE INDEX notification_outbox_created_idx ON notification_outbox (created_at);
            """,
        down: """
            DROP INDEX IF EXISTS notification_outbox_created_idx;
            """
    )
}
