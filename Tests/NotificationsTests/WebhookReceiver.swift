import Foundation
import HTTPTypes
import Hummingbird

/// A local HTTP endpoint standing in for a webhook, Slack or Telegram: it records what it is sent and answers as the
/// test says — fail the first requests with 500, or hold the first one until released (so a test can kill the sender
/// after the receiver has the message but before the sender hears back).
actor WebhookReceiver {
    struct Received: Sendable {
        var path: String
        var idempotencyKey: String?
        var timestamp: String?
        var signature: String?
        var body: Data
    }

    private(set) var received: [Received] = []
    private var failuresLeft: Int
    private var holding: Bool

    init(failFirst failures: Int = 0, holdFirst: Bool = false) {
        failuresLeft = failures
        holding = holdFirst
    }

    func release() { holding = false }

    func receive(_ request: Received) async -> HTTPResponse.Status {
        received.append(request)
        if received.count == 1 {
            while holding { try? await Task.sleep(for: .milliseconds(20)) }
        }
        if failuresLeft > 0 {
            failuresLeft -= 1
            return .internalServerError
        }
        return .ok
    }

    /// Runs the receiver on a free port for `body`, which gets its base URL.
    nonisolated func withRunning<Result: Sendable>(_ body: (String) async throws -> Result) async throws -> Result {
        let router = Router()
        router.post("**") { request, context -> HTTPResponse.Status in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let fields = request.headers
            return await self.receive(
                Received(
                    path: request.uri.path, idempotencyKey: fields[HTTPField.Name("Idempotency-Key")!],
                    timestamp: fields[HTTPField.Name("X-Keelson-Timestamp")!], signature: fields[HTTPField.Name("X-Keelson-Signature")!],
                    body: Data(buffer: bytes)))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return try await body("http://127.0.0.1:\(port)")
    }
}
