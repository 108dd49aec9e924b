import KeelsonDomain
import KeelsonServiceKit
import Logging
import ServiceLifecycle

/// Fans committed candles out to every subscriber's own queue and runs their delivery loops.
public struct CandlePublisher: Service {
    let queues: [SubscriberQueue]

    init(clients: [ServiceClient], metrics: MarketDataMetrics?, logger: Logger, capacity: Int = 50_000) {
        queues = clients.map { SubscriberQueue(client: $0, capacity: capacity, metrics: metrics, logger: logger) }
    }

    /// Call only after the candles are committed to the store.
    func publish(_ candles: [Candle]) async {
        guard !candles.isEmpty else { return }
        for queue in queues { await queue.enqueue(candles) }
    }

    /// Stops at graceful shutdown without draining: undelivered candles are in the store for receivers to read.
    /// With no subscribers it simply waits for shutdown (a service that returns early would stop the process).
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for queue in queues {
                    group.addTask {
                        await withTaskCancellationHandler {
                            await queue.run()
                        } onCancel: {
                            Task { await queue.cancelWaiting() }
                        }
                    }
                }
            }
        }
        try? await gracefulShutdown()
    }

    struct SubscriberStatus: Codable, Sendable {
        var subscriber: String
        var backlog: Int
        var delivered: Int
        var dropped: Int
        var lastError: String?

        enum CodingKeys: String, CodingKey {
            case subscriber, backlog, delivered, dropped
            case lastError = "last_error"
        }
    }

    func status() async -> [SubscriberStatus] {
        var result: [SubscriberStatus] = []
        for queue in queues {
            result.append(
                SubscriberStatus(
                    subscriber: queue.subscriber, backlog: await queue.backlog, delivered: await queue.delivered, dropped: await queue.dropped,
                    lastError: await queue.lastError))
        }
        return result
    }
}
