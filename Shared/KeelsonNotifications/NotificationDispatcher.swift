import Foundation
import KeelsonPersistence
import Logging
import ServiceLifecycle

/// Delivers the outbox to every channel: fan out, claim what is due, send (one message per event, or one digest
/// when more than `digestThreshold` are due at once), record the answer, retry with exponential back-off, give up
/// after `maxAttempts` (dead: `keelson notify list --failed`, the dead-letter alert). Any number of dispatchers may
/// run (one per gateway replica): a delivery is locked by the one that claimed it.
public struct NotificationDispatcher: Service {
    let outbox: PostgresNotificationOutbox
    let settings: NotificationSettings
    let logger: Logger
    let observe: @Sendable (_ channel: String, _ counts: DeliveryCounts) -> Void

    public init(
        outbox: PostgresNotificationOutbox, settings: NotificationSettings, logger: Logger,
        observe: @escaping @Sendable (String, DeliveryCounts) -> Void = { _, _ in }
    ) {
        self.outbox = outbox
        self.settings = settings
        self.logger = logger
        self.observe = observe
    }

    /// Until shutdown: a pass every `interval`, and once an hour (the first an hour after start) the pruning. A
    /// shutdown cancels a pass under way; what it had claimed stays pending and goes out after the restart.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await loop() }
        } catch is CancellationError {
            return
        }
    }

    private func loop() async throws {
        var lastPrune = ContinuousClock.now
        while !Task.isCancelled {
            do {
                try await deliverOnce()
                if ContinuousClock.now - lastPrune >= .seconds(3_600) {
                    let cutoff = Date.now.addingTimeInterval(-Double(settings.retention.components.seconds))
                    let removed = try await outbox.prune(writtenBefore: cutoff)
                    if removed > 0 { logger.info("pruned old notifications", metadata: ["removed": "\(removed)"]) }
                    lastPrune = .now
                }
            } catch is CancellationError {
                return
            } catch {
                // The database may be down; the events wait in the outbox and go out when it is back.
                logger.warning("notification dispatch failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
            }
            try await Task.sleep(for: settings.interval)
        }
    }

    /// One pass over every channel: what is due now goes out now.
    public func deliverOnce() async throws {
        for channel in settings.channels {
            try await outbox.fanOut(channel: channel.name, events: channel.events)
            while true {
                let counts = try await outbox.deliverDue(
                    channel: channel.name, limit: 100, maxAttempts: settings.maxAttempts,
                    backoff: { [base = settings.retryBase] attempts in Self.backoff(attempts, base: base) }
                ) { events in await send(events, to: channel) }
                observe(channel.name, counts)
                for _ in 0..<counts.dead {
                    logger.error("a notification was given up after \(settings.maxAttempts) attempts", metadata: ["channel": "\(channel.name)"])
                }
                // A full batch delivered: there may be more; anything failing waits for its back-off.
                if counts.delivered < 100 { break }
            }
        }
    }

    func send(_ events: [OutboxEvent], to channel: any NotificationChannel) async -> [Int64: String?] {
        if events.count > settings.digestThreshold {
            do {
                try await channel.send(NotificationMessage(digest: events))
                return Dictionary(uniqueKeysWithValues: events.map { ($0.id, nil) })
            } catch {
                return Dictionary(uniqueKeysWithValues: events.map { ($0.id, error.description) })
            }
        }
        var results: [Int64: String?] = [:]
        for event in events {
            do {
                try await channel.send(NotificationMessage(event))
                results[event.id] = .some(nil)
            } catch {
                results[event.id] = error.description
            }
        }
        return results
    }

    /// `base` after the first failure, doubling after each further one, capped at 30 minutes.
    static func backoff(_ attempts: Int, base: Duration) -> Duration {
        min(.seconds(1_800), base * (1 << min(attempts - 1, 20)))
    }
}
