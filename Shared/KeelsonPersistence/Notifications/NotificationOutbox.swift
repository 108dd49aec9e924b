import Foundation
import Logging
import PostgresNIO

/// One event of the transactional outbox (`notification_outbox`), as a channel delivers it.
public struct OutboxEvent: Sendable, Equatable {
    public var id: Int64
    public var event: String
    public var occurredAt: Date
    public var summary: String
    /// The event's fields as a JSON object.
    public var payload: String
    public var idempotencyKey: String
    /// Earlier failed attempts on this channel.
    public var attempts: Int

    public init(id: Int64, event: String, occurredAt: Date, summary: String, payload: String, idempotencyKey: String, attempts: Int = 0) {
        self.id = id
        self.event = event
        self.occurredAt = occurredAt
        self.summary = summary
        self.payload = payload
        self.idempotencyKey = idempotencyKey
        self.attempts = attempts
    }
}

/// A delivery's state, for `keelson notify list`.
public struct NotificationDelivery: Sendable, Equatable {
    public var outboxID: Int64
    public var channel: String
    public var status: String
    public var attempts: Int
    public var lastError: String?
    public var event: String
    public var summary: String
    public var createdAt: Date
}

/// What one pass over a channel's due deliveries did.
public struct DeliveryCounts: Sendable, Equatable {
    public var delivered = 0
    public var failed = 0
    public var dead = 0

    public init() {}
}

/// The outbox and its deliveries. Triggers write the outbox in the transaction of the event itself (migration 8);
/// this is the dispatcher's side: fan each event out to the configured channels, claim due deliveries without two
/// dispatchers ever holding the same one, and record what the channel said.
public struct PostgresNotificationOutbox: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Adds a delivery for `channel` of every event it has not been given, `filtered` when `events` leaves it out.
    /// Events are found by absence, not as "newer than the last one given": ids are taken when a row is inserted,
    /// so a transaction that commits late can add an id below one already delivered. A day bounds the search (no
    /// transaction stays open that long). A channel seen for the first time gets the last hour's events; the rest
    /// of that day is recorded as `filtered` for it, so it is not sent later either.
    @discardableResult
    public func fanOut(channel: String, events: [String]?) async throws -> Int {
        return try await client.read(
            """
            WITH inserted AS (
                INSERT INTO notification_deliveries (outbox_id, channel, status)
                SELECT o.id, \(channel),
                       CASE WHEN o.created_at < now() - interval '1 hour'
                                 AND NOT EXISTS (SELECT 1 FROM notification_deliveries WHERE channel = \(channel)) THEN 'filtered'
                            WHEN \(events)::text[] IS NULL OR o.event = ANY(\(events)::text[]) THEN 'pending'
                            ELSE 'filtered' END
                FROM notification_outbox o
                WHERE o.created_at > now() - interval '1 day'
                  AND NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.outbox_id = o.id AND d.channel = \(channel))
                ORDER BY o.id
                ON CONFLICT DO NOTHING
                RETURNING 1
            )
            SELECT count(*)::int FROM inserted
            """, logger: logger
        ) { rows in
            var count = 0
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
    }

    /// Claims up to `limit` due deliveries of `channel` (locked until this returns, skipped by any other dispatcher),
    /// hands them to `deliver`, and records its answer: the ids it delivered, and an error for each it could not.
    /// A failure is retried after `backoff(attempts)`; after `maxAttempts` the delivery is dead. A crash before the
    /// commit leaves every claimed delivery pending, to be sent again with the same idempotency key.
    public func deliverDue(
        channel: String, limit: Int, maxAttempts: Int, backoff: @escaping @Sendable (Int) -> Duration,
        deliver: @escaping @Sendable ([OutboxEvent]) async -> [Int64: String?]
    ) async throws -> DeliveryCounts {
        try await client.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT d.outbox_id, d.attempts, o.event, o.occurred_at, o.summary, o.payload::text, o.idempotency_key
                FROM notification_deliveries d JOIN notification_outbox o ON o.id = d.outbox_id
                WHERE d.channel = \(channel) AND d.status = 'pending' AND d.next_attempt_at <= now()
                ORDER BY d.outbox_id LIMIT \(limit)
                FOR UPDATE OF d SKIP LOCKED
                """, logger: logger)
            var due: [OutboxEvent] = []
            for try await (id, attempts, event, occurredAt, summary, payload, key) in rows.decode(
                (Int64, Int, String, Date, String, String, String).self)
            {
                due.append(
                    OutboxEvent(
                        id: id, event: event, occurredAt: occurredAt, summary: summary, payload: payload, idempotencyKey: key, attempts: attempts))
            }
            var counts = DeliveryCounts()
            guard !due.isEmpty else { return counts }
            let results = await deliver(due)
            let delivered = due.filter { results[$0.id] == .some(nil) }.map(\.id)
            if !delivered.isEmpty {
                try await connection.query(
                    """
                    UPDATE notification_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = now(), last_error = NULL
                    WHERE channel = \(channel) AND outbox_id = ANY(\(delivered))
                    """, logger: logger)
                counts.delivered = delivered.count
            }
            for event in due where results[event.id] != .some(nil) {
                let error = results[event.id].flatMap { $0 } ?? "no answer from the channel"
                let attempts = event.attempts + 1
                let dead = attempts >= maxAttempts
                let pause = backoff(attempts).components
                let wait = Double(pause.seconds) + Double(pause.attoseconds) / 1e18
                try await connection.query(
                    """
                    UPDATE notification_deliveries
                    SET attempts = \(attempts), last_error = \(error), status = \(dead ? "dead" : "pending"),
                        next_attempt_at = now() + make_interval(secs => \(wait))
                    WHERE channel = \(channel) AND outbox_id = \(event.id)
                    """, logger: logger)
                if dead { counts.dead += 1 } else { counts.failed += 1 }
            }
            return counts
        }
    }

    /// An event written outside a trigger: a failed backup, a test message. Idempotent on `idempotencyKey`.
    public func enqueue(event: String, summary: String, payload: [String: String], idempotencyKey: String) async throws {
        let json = (try? String(decoding: JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), as: UTF8.self)) ?? "{}"
        try await client.perform(
            """
            INSERT INTO notification_outbox (event, summary, payload, idempotency_key)
            VALUES (\(event), \(summary), \(json)::jsonb, \(idempotencyKey)) ON CONFLICT (idempotency_key) DO NOTHING
            """, logger: logger)
    }

    /// The newest deliveries, or only the dead and the failing ones.
    public func deliveries(failedOnly: Bool, limit: Int) async throws -> [NotificationDelivery] {
        return try await client.read(
            """
            SELECT d.outbox_id, d.channel, d.status, d.attempts, d.last_error, o.event, o.summary, o.created_at
            FROM notification_deliveries d JOIN notification_outbox o ON o.id = d.outbox_id
            WHERE NOT \(failedOnly) OR d.status = 'dead' OR (d.status = 'pending' AND d.attempts > 0)
            ORDER BY d.outbox_id DESC, d.channel LIMIT \(limit)
            """, logger: logger
        ) { rows in
            var result: [NotificationDelivery] = []
            for try await (id, channel, status, attempts, error, event, summary, created) in rows.decode(
                (Int64, String, String, Int, String?, String, String, Date).self)
            {
                result.append(
                    NotificationDelivery(
                        outboxID: id, channel: channel, status: status, attempts: attempts, lastError: error, event: event, summary: summary,
                        createdAt: created))
            }
            return result
        }
    }

    /// Dead deliveries per channel, for the metric the dead-letter alert watches.
    public func deadCounts() async throws -> [String: Int] {
        return try await client.read(
            "SELECT channel, count(*)::int FROM notification_deliveries WHERE status = 'dead' GROUP BY channel", logger: logger
        ) { rows in
            var result: [String: Int] = [:]
            for try await (channel, count) in rows.decode((String, Int).self) { result[channel] = count }
            return result
        }
    }

    /// Removes events written before `cutoff` with their deliveries; returns how many.
    @discardableResult
    public func prune(writtenBefore cutoff: Date) async throws -> Int {
        return try await client.read(
            """
            WITH removed AS (DELETE FROM notification_outbox WHERE created_at < \(cutoff) RETURNING 1)
            SELECT count(*)::int FROM removed
            """, logger: logger
        ) { rows in
            var count = 0
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
    }
}
