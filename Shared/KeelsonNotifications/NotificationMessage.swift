import Foundation
import KeelsonPersistence

/// What a channel sends: one event, or a digest of many when they flood.
public struct NotificationMessage: Sendable, Equatable {
    public var idempotencyKey: String
    public var event: String
    public var occurredAt: Date
    public var text: String
    /// The events it carries (one, or the digest's).
    public var events: [OutboxEvent]

    public init(_ event: OutboxEvent) {
        idempotencyKey = event.idempotencyKey
        self.event = event.event
        occurredAt = event.occurredAt
        text = event.summary
        events = [event]
    }

    /// One message for `events` (in order): its key is fixed by the first and last event, so a digest sent again
    /// after a crash carries the same key.
    public init(digest events: [OutboxEvent], listed: Int = 10) {
        let first = events.first!, last = events.last!
        idempotencyKey = "digest-\(first.idempotencyKey)-\(last.idempotencyKey)"
        event = "digest"
        occurredAt = last.occurredAt
        let counts = Dictionary(grouping: events, by: \.event).map { "\($0.value.count) \($0.key)" }.sorted()
        var lines = ["\(events.count) events (\(counts.joined(separator: ", "))):"]
        lines += events.prefix(listed).map { "• \($0.summary)" }
        if events.count > listed { lines.append("… and \(events.count - listed) more: keelson notify list") }
        text = lines.joined(separator: "\n")
        self.events = events
    }
}

/// Why a channel did not take a message, in a sentence the delivery row keeps.
public struct NotificationError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
