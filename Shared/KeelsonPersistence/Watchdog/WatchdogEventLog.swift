import Foundation
import Logging
import PostgresNIO

/// One row of `watchdog_events`: a recovery the system made by itself, and how it ended.
public struct WatchdogEvent: Sendable, Codable, Equatable {
    /// Who acted: the gateway's watchdog, or make run's supervisor restarting a crashed service.
    public enum Source: String, Sendable, Codable, CaseIterable { case watchdog, supervisor }

    public var id: Int64?
    public var occurredAt: Date?
    public var source: Source
    /// What was looked after: `engine`, `postgres`, `breaker:marketdata:exchange:api.binance.com:443`, `trading`, ...
    public var component: String
    /// What was wrong, in words.
    public var symptom: String
    /// What was done: `restart`, `probe_breaker`, `maintenance_on`, `maintenance_off`, or `none` (a recovery loop:
    /// the watchdog stopped acting and raised an alert instead).
    public var action: String
    /// How it ended, in words.
    public var result: String
    public var durationMs: Double

    public init(source: Source, component: String, symptom: String, action: String, result: String, durationMs: Double = 0) {
        self.source = source
        self.component = component
        self.symptom = symptom
        self.action = action
        self.result = result
        self.durationMs = durationMs
    }

    enum CodingKeys: String, CodingKey {
        case id, source, component, symptom, action, result
        case occurredAt = "occurred_at"
        case durationMs = "duration_ms"
    }

    /// The action that stands for "no action: acting stopped after a recovery loop".
    public static let noAction = "none"
}

/// The `watchdog_events` table: append-only, newest first when read.
public protocol WatchdogEventLog: Sendable {
    func record(_ event: WatchdogEvent) async throws
    func recent(limit: Int, since: Date?) async throws -> [WatchdogEvent]
    /// Actions (anything but `none`) the watchdog took on `component` at or after `since`: the recovery-loop count.
    func actionCount(component: String, since: Date) async throws -> Int
}

public struct PostgresWatchdogEventLog: WatchdogEventLog {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func record(_ event: WatchdogEvent) async throws {
        try await client.withOpenConnection { connection in
            try await connection.query(
                """
                INSERT INTO watchdog_events (source, component, symptom, action, result, duration_ms)
                VALUES (\(event.source.rawValue), \(event.component), \(event.symptom), \(event.action), \(event.result), \(event.durationMs))
                """, logger: logger
            )
        }
    }

    public func recent(limit: Int, since: Date?) async throws -> [WatchdogEvent] {
        let query: PostgresQuery = """
            SELECT id, occurred_at, source, component, symptom, action, result, duration_ms FROM watchdog_events
            WHERE occurred_at >= \(since ?? .distantPast) ORDER BY occurred_at DESC, id DESC LIMIT \(limit)
            """
        return try await client.read(query, logger: logger) { rows in
            var events: [WatchdogEvent] = []
            for try await (id, at, source, component, symptom, action, result, duration) in rows.decode(
                (Int64, Date, String, String, String, String, String, Double).self
            ) {
                var event = WatchdogEvent(
                    source: WatchdogEvent.Source(rawValue: source) ?? .watchdog, component: component, symptom: symptom, action: action,
                    result: result, durationMs: duration)
                event.id = id
                event.occurredAt = at
                events.append(event)
            }
            return events
        }
    }

    public func actionCount(component: String, since: Date) async throws -> Int {
        let query: PostgresQuery = """
            SELECT count(*) FROM watchdog_events
            WHERE source = 'watchdog' AND component = \(component) AND action <> \(WatchdogEvent.noAction) AND occurred_at >= \(since)
            """
        return try await client.read(query, logger: logger) { rows in
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }
}
