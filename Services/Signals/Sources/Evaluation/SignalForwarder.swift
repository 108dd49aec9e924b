import AsyncHTTPClient
import KeelsonContracts
import KeelsonServiceKit
import KeelsonStrategies
import Logging
import ServiceLifecycle

/// Sends new signals to the engine in the background, so a slow or down engine never delays the candle push.
/// Nothing is lost when the engine does not take them: signals are already stored, and the engine catches up
/// from the signals table. The queue is bounded; when it is full the oldest batch is dropped for the same reason.
public struct SignalForwarder: Service {
    private let stream: AsyncStream<[StoredSignal]>
    private let continuation: AsyncStream<[StoredSignal]>.Continuation
    let client: ServiceClient
    let metrics: SignalsMetrics?
    let logger: Logger

    init(client: ServiceClient, metrics: SignalsMetrics?, logger: Logger, capacity: Int = 1_000) {
        (stream, continuation) = AsyncStream.makeStream(of: [StoredSignal].self, bufferingPolicy: .bufferingNewest(capacity))
        self.client = client
        self.metrics = metrics
        self.logger = logger
    }

    func enqueue(_ signals: [StoredSignal]) {
        guard !signals.isEmpty else { return }
        continuation.yield(signals)
    }

    /// Stops at once on graceful shutdown: whatever is still queued is already stored, and the engine reads it
    /// from the signals table, so draining it would only delay the shutdown.
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            for await batch in stream {
                await forward(batch)
            }
        }
        continuation.finish()
    }

    /// Signals per POST: far below the engine's body limit however long the reasons are.
    static let signalsPerRequest = 1_000

    private func forward(_ batch: [StoredSignal]) async {
        for start in stride(from: 0, to: batch.count, by: Self.signalsPerRequest) {
            let part = Array(batch[start..<min(start + Self.signalsPerRequest, batch.count)])
            do {
                // The engine deduplicates by signal id, so retrying the POST cannot act twice.
                let response = try await client.send(
                    .POST, InternalRoute.signals.path, body: .init(data: JSONCoding.encoder.encode(SignalBatch(ids: part.map(\.id)))),
                    idempotent: true
                )
                guard (200..<300).contains(response.status) else {
                    throw ServiceClientError.status(service: .engine, code: response.status, body: String(buffer: response.body))
                }
            } catch {
                metrics?.forwardFailed()
                logger.warning(
                    "engine did not take signals; it will read them from the signals table",
                    metadata: [
                        "count": "\(part.count)", "first_signal_id": "\(part.first?.id ?? 0)", "error": "\(error)",
                    ])
            }
        }
    }
}
