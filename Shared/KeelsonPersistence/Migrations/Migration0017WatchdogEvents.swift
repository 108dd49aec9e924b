enum Migration0017WatchdogEvents {
    static let migration = Migration(
        version: 17,
        name: "watchdog_events",
        up: """
            -- Every recovery the system made by itself: the gateway's watchdog (a breaker probed after its cool-down,
            -- trading put in maintenance and lifted again, a recovery loop it stopped acting on) and make run's
            -- supervisor (a crashed service restarted).
            CREATE TABLE watchdog_events (
                id bigserial PRIMARY KEY,
                occurred_at timestamptz NOT NULL DEFAULT now(),
                source text NOT NULL CHECK (source IN ('watchdog', 'supervisor')),
                component text NOT NULL CHECK (component <> ''),
                symptom text NOT NULL,
                action text NOT NULL,
                result text NOT NULL,
                duration_ms double precision NOT NULL DEFAULT 0 CHECK (duration_ms >= 0)
            );
            CREATE INDEX watchdog_events_recent ON watchdog_events (occurred_at DESC);
            CREATE INDEX watchdog_events_component ON watchdog_events (component, occurred_at DESC);
            """,
        down: """
            DROP TABLE watchdog_events;
            """
    )
}
