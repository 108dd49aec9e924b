import Foundation
import KeelsonContracts
import KeelsonDomain
import KeelsonServiceKit
import Logging

/// Delivers committed candles to one subscriber, in order, in batches, retrying with backoff while it is down.
/// Each subscriber has its own queue and delivery task, so a slow or dead one never holds up the others or the
/// collection. The queue is bounded: when it overflows the oldest candles are dropped (counted in metrics) —
/// they are already in the store, and a receiver that sees a gap reads it from `GET /internal/v1/candles/since`.
actor SubscriberQueue {
    let client: ServiceClient
    let capacity: Int
    let batchSize: Int
    let metrics: MarketDataMetrics?
    let logger: Logger
    private var pending: [Candle] = []
    private var waiter: CheckedContinuation<Void, Never>?
    private(set) var delivered = 0
    private(set) var dropped = 0
    private(set) var lastError: String?

    init(client: ServiceClient, capacity: Int = 50_000, batchSize: Int = 1_000, metrics: MarketDataMetrics?, logger: Logger) {
        self.client = client
        self.capacity = capacity
        self.batchSize = batchSize
        self.metrics = metrics
        self.logger = logger
    }

    nonisolated var subscriber: String { client.service.rawValue }
    var backlog: Int { pending.count }

    func enqueue(_ candles: [Candle]) {
        pending += candles
        if pending.count > capacity {
            let overflow = pending.count - capacity
            pending.removeFirst(overflow)
            dropped += overflow
            metrics?.dropped(subscriber: subscriber, count: overflow)
        }
        waiter?.resume()
        waiter = nil
    }

    /// The delivery loop; runs until cancelled.
    func run() async {
        var failures = 0
        while !Task.isCancelled {
            if pending.isEmpty {
                await withCheckedContinuation { waiter = $0 }
                continue
            }
            let batch = Array(pending.prefix(batchSize))
            let start = ContinuousClock.now
            do {
                let body = try JSONCoding.encoder.encode(CandleBatch(candles: batch))
                // Receivers deduplicate by natural key, so repeating a batch whose answer was lost is harmless.
                let response = try await client.send(.POST, InternalRoute.candles.path, body: .init(data: body), idempotent: true)
                guard (200..<300).contains(response.status) else {
                    throw ServiceClientError.status(service: client.service, code: response.status, body: String(buffer: response.body))
                }
                metrics?.pushed(subscriber: subscriber, duration: ContinuousClock.now - start)
                // Only remove what was sent: enqueue may have dropped from the front meanwhile.
                let sentThrough = batch.count
                if pending.count >= sentThrough, pending.prefix(sentThrough).elementsEqual(batch) {
                    pending.removeFirst(sentThrough)
                } else {
                    pending.removeAll { candle in batch.contains(candle) }
                }
                delivered += batch.count
                failures = 0
                lastError = nil
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                lastError = String(describing: error)
                metrics?.pushFailed(subscriber: subscriber)
                let delay = RetryPolicy(maxAttempts: 100, baseDelay: .milliseconds(200), maxDelay: .seconds(30)).ceiling(forRetry: failures)
                logger.warning(
                    "candle push failed; retrying",
                    metadata: ["subscriber": "\(subscriber)", "backlog": "\(pending.count)", "retry_in": "\(delay)", "error": "\(error)"])
                try? await Task.sleep(for: delay)
            }
        }
    }

    func cancelWaiting() {
        waiter?.resume()
        waiter = nil
    }
}
