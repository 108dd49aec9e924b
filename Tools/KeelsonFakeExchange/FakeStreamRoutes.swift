import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The kline WebSockets: `/ws/<symbol>@kline_<interval>` (raw payloads) and `/stream?streams=a/b` (each message
/// wrapped as `{"stream","data"}`). Pings are sent by the server at `pingInterval`; client pongs are handled
/// by the WebSocket layer.
extension FakeExchange {
    func addStreamRoutes(to router: Router<FakeExchangeRequestContext>) {
        router.ws("ws/:stream") { _, context in
            try await self.admitStreams([context.parameters.get("stream") ?? ""])
        } onUpgrade: { inbound, outbound, context in
            let name = context.requestContext.parameters.get("stream") ?? ""
            try await self.serveStreams([name], combined: false, inbound: inbound, outbound: outbound, channel: context.requestContext.channel)
        }
        router.ws("stream") { request, _ in
            try await self.admitStreams(Self.streamNames(request))
        } onUpgrade: { inbound, outbound, context in
            try await self.serveStreams(
                Self.streamNames(context.request), combined: true, inbound: inbound, outbound: outbound, channel: context.requestContext.channel)
        }
    }

    static func streamNames(_ request: Request) -> [String] {
        (request.uri.queryParameters["streams"].map(String.init) ?? "").split(separator: "/").map(String.init)
    }

    private func admitStreams(_ names: [String]) async throws -> RouterShouldUpgrade {
        if let status = await traffic.outage(.binance) {
            throw HTTPError(.init(code: status), message: "market data unavailable")
        }
        let now = clock.now
        for name in names {
            guard await streams.subscription(named: name, now: now) != nil else {
                throw HTTPError(.badRequest, message: "Invalid request: unknown stream \(name)")
            }
        }
        guard !names.isEmpty, names.count <= 1024 else { throw HTTPError(.badRequest, message: "Invalid request: 1 to 1024 streams") }
        return .upgrade([:])
    }

    private func serveStreams(
        _ names: [String], combined: Bool, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel
    ) async throws {
        let now = clock.now
        var subscriptions: [FakeKlineStreamHub.Subscription] = []
        for name in names {
            if let subscription = await streams.subscription(named: name, now: now) { subscriptions.append(subscription) }
        }
        let (id, commands) = await streams.subscribe(subscriptions, combined: combined)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Reading keeps control frames (pings, pongs, close) flowing; Binance ignores what clients send.
                group.addTask { for try await _ in inbound {} }
                group.addTask {
                    for await command in commands {
                        switch command {
                        case .text(let text):
                            try await outbound.write(.text(text))
                        case .cut:
                            try await channel.close()
                            return
                        case .endAfter24Hours:
                            try await outbound.close(.goingAway, reason: "24 hours reached")
                            return
                        }
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            logger.debug("stream connection ended", metadata: ["error": "\(error)"])
        }
        await streams.unsubscribe(id)
    }
}
