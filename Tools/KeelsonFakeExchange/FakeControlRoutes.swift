import Foundation
import Hummingbird
import KeelsonDomain

/// `/fake/...`: the same controls as the Swift API, over HTTP, for the CLI and for tests in other processes.
/// Parameters go in the query string; answers are JSON. Not recorded, not weighed, not authenticated (the
/// fake is a local development tool).
extension FakeExchange {
    func addControlRoutes(to router: Router<FakeExchangeRequestContext>) {
        let fake = router.group("fake")
        fake.post("rate-limit") { request, _ in
            await self.rateLimitNextRequests(try Self.int(request, "count"), retryAfter: try Self.int(request, "retryAfter", default: 1))
            return Self.done
        }
        fake.post("ban") { request, _ in
            await self.ban(for: TimeInterval(try Self.int(request, "seconds")))
            return Self.done
        }
        fake.post("order-fault") { request, _ in
            if let delay = request.uri.queryParameters["delayMs"].flatMap({ Int64($0) }) {
                await self.failNextOrder(.delayedAnswer(.milliseconds(delay)))
            } else {
                let status = try Self.int(request, "status", default: 503)
                guard (500...599).contains(status) else { throw HTTPError(.badRequest, message: "status must be a 5xx") }
                await self.failNextOrder(.serverError(status: status, htmlBody: request.uri.queryParameters["body"] != "empty"))
            }
            return Self.done
        }
        fake.post("malformed") { request, _ in
            await self.malformNextResponses(try Self.int(request, "count", default: 1))
            return Self.done
        }
        fake.post("outage") { request, _ in
            await self.failMarketData(try Self.source(request), status: try Self.int(request, "status", default: 503))
            return Self.done
        }
        fake.delete("outage") { request, _ in
            await self.restoreMarketData(try Self.source(request))
            return Self.done
        }
        fake.post("streams/cut") { _, _ in
            await self.cutStreamConnections()
            return Self.done
        }
        fake.post("streams/end-of-day") { _, _ in
            await self.endStreamConnectionsAfter24Hours()
            return Self.done
        }
        fake.post("clock/advance") { request, _ in
            await self.advanceMarket(by: TimeInterval(try Self.int(request, "seconds")))
            return self.clockState()
        }
        fake.post("clock/next-bar") { _, _ in
            await self.closeCurrentBar()
            return self.clockState()
        }
        fake.post("faults/clear") { _, _ in
            await self.clearFaults()
            return Self.done
        }
        fake.post("orders/fill") { request, _ in
            let query = request.uri.queryParameters
            let order = try await self.fillOrder(
                symbol: try Self.text(request, "symbol"), orderId: query["orderId"].flatMap { Int64($0) },
                clientOrderId: query["clientOrderId"].map(String.init), price: query["price"].flatMap { Decimal(string: String($0)) }
            )
            return FakeBinanceJSON.queriedOrder(order).response()
        }
        fake.post("orders/execute") { request, _ in
            guard let quantity = Decimal(string: try Self.text(request, "quantity")) else {
                throw HTTPError(.badRequest, message: "quantity must be a decimal")
            }
            let order = try await self.executeOrder(
                symbol: try Self.text(request, "symbol"), side: try Self.text(request, "side"), quantity: quantity,
                clientOrderId: try Self.text(request, "clientOrderId")
            )
            return FakeBinanceJSON.newOrder(order, responseType: "FULL").response()
        }
        fake.get("orders") { _, _ in
            FakeJSON.array(await self.orders().map(FakeBinanceJSON.queriedOrder)).response()
        }
        fake.post("balances") { request, _ in
            guard let amount = Decimal(string: try Self.text(request, "free")) else {
                throw HTTPError(.badRequest, message: "free must be a decimal")
            }
            await self.setBalance(asset: try Self.text(request, "asset"), free: amount)
            return Self.done
        }
        fake.get("requests") { _, _ in
            let requests = await self.receivedRequests()
            return FakeJSON.array(
                requests.map { recorded in
                    .object([
                        ("method", .string(recorded.method)), ("path", .string(recorded.path)), ("query", .string(recorded.query)),
                        ("has_api_key", .bool(recorded.hasAPIKey)), ("status", .int(Int64(recorded.status))),
                        ("time", .int(recorded.time.epochMilliseconds)),
                    ])
                }
            ).response()
        }
        fake.delete("requests") { _, _ in
            await self.clearReceivedRequests()
            return Self.done
        }
        fake.get("status") { _, _ in
            FakeJSON.object([
                ("market_time", .int(self.clock.now.epochMilliseconds)), ("used_weight", .int(Int64(await self.usedWeight()))),
                ("stream_connections", .int(Int64(await self.streamConnectionCount()))),
                ("symbols", .array(self.configuration.symbols.map { .string($0.symbol) })),
            ]).response()
        }
    }

    private func clockState() -> Response {
        FakeJSON.object([("market_time", .int(clock.now.epochMilliseconds))]).response()
    }

    static var done: Response { FakeJSON.object([("ok", true)]).response() }

    static func text(_ request: Request, _ name: String) throws -> String {
        guard let value = request.uri.queryParameters[Substring(name)], !value.isEmpty else {
            throw HTTPError(.badRequest, message: "the query parameter \(name) is required")
        }
        return String(value)
    }

    static func int(_ request: Request, _ name: String, default fallback: Int? = nil) throws -> Int {
        guard let value = request.uri.queryParameters[Substring(name)] else {
            if let fallback { return fallback }
            throw HTTPError(.badRequest, message: "the query parameter \(name) is required")
        }
        guard let number = Int(value), number >= 0 else { throw HTTPError(.badRequest, message: "\(name) must be a whole number of at least 0") }
        return number
    }

    static func source(_ request: Request) throws -> FakeMarketDataSource {
        guard let source = FakeMarketDataSource(rawValue: try text(request, "source")) else {
            throw HTTPError(.badRequest, message: "source must be binance or coinbase")
        }
        return source
    }
}
