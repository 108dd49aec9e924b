import Foundation
import Hummingbird
import HummingbirdWebSocket
import KeelsonDomain
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// A fake Binance spot exchange on a real port, speaking Binance's wire format (EXCHANGES.md): market data,
/// signed trading with an account and filters, request weight with 429s, kline WebSockets, and Coinbase's
/// public candles from the same prices. Tests and `keelson dev fake-exchange` drive its market clock and its
/// faults through the methods below or through the HTTP control endpoints under `/fake/`.
public final class FakeExchange: Sendable {
    public let configuration: FakeExchangeConfiguration
    public let clock: FakeMarketClock
    let series: [String: FakePriceSeries]
    let account: FakeSpotAccount
    let traffic: FakeTraffic
    let streams: FakeKlineStreamHub
    let logger: Logger
    private let tradingPrices = Mutex<[String: Decimal]>([:])
    /// Price moves waiting for an account read: how many reads are left before each, and the move.
    let movesAtAccountRead = Mutex<[(readsLeft: Int, symbol: String, price: Decimal)]>([])

    public init(configuration: FakeExchangeConfiguration = FakeExchangeConfiguration(), logger: Logger = Logger(label: "keelson.fake-exchange")) {
        self.configuration = configuration
        self.logger = logger
        let clock = FakeMarketClock(configuration.clock)
        self.clock = clock
        let firstMinute = Int64((clock.start.timeIntervalSince1970 - configuration.history) / 60)
        var series: [String: FakePriceSeries] = [:]
        for symbol in configuration.symbols {
            series[symbol.symbol] = FakePriceSeries(symbol: symbol, seed: configuration.seed, firstMinute: firstMinute)
        }
        self.series = series
        self.account = FakeSpotAccount(balances: configuration.balances, commissionRate: configuration.commissionRate)
        self.traffic = FakeTraffic(weightLimit: configuration.weightLimitPerMinute)
        self.streams = FakeKlineStreamHub(series: series)
    }

    // MARK: Running

    /// Serves until cancelled, or — when `stoppingOnInterrupt` — until SIGINT (ctrl-C) or SIGTERM shuts it down
    /// gracefully; `onListening` gets the base URL (`http://host:port`) once the port is bound.
    public func run(stoppingOnInterrupt: Bool = false, onListening: @escaping @Sendable (String) async -> Void = { _ in }) async throws {
        try await makeServiceGroup(gracefulShutdownSignals: stoppingOnInterrupt ? [.sigint, .sigterm] : [], onListening: onListening).run()
    }

    /// Starts the exchange on its port, runs `body` with the base URL, and stops it (waiting until the port is
    /// released) whether `body` returns or throws.
    public func withRunning<Result: Sendable>(_ body: (String) async throws -> Result) async throws -> Result {
        let (urls, continuation) = AsyncStream<String>.makeStream()
        let group = makeServiceGroup(gracefulShutdownSignals: [], onListening: { continuation.yield($0) })
        let server = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = urls.makeAsyncIterator()
        guard let baseURL = await iterator.next() else {
            // The server stopped before it listened: its error says why (e.g. the port is taken).
            try await server.value
            throw CancellationError()
        }
        do {
            let result = try await body(baseURL)
            await stop(group, server)
            return result
        } catch {
            await stop(group, server)
            throw error
        }
    }

    /// Closes the streams, then shuts down gracefully; cancels what is still running after two seconds.
    private func stop(_ group: ServiceGroup, _ server: Task<Void, any Error>) async {
        await streams.broadcast(.cut)
        await group.triggerGracefulShutdown()
        let deadline = Task {
            try await Task.sleep(for: .seconds(2))
            server.cancel()
        }
        _ = try? await server.value
        deadline.cancel()
    }

    private func makeServiceGroup(gracefulShutdownSignals: [UnixSignal], onListening: @escaping @Sendable (String) async -> Void) -> ServiceGroup {
        let router = Router(context: FakeExchangeRequestContext.self)
        router.middlewares.add(FakeTrafficMiddleware(traffic: traffic))
        addBinanceRoutes(to: router)
        addStreamRoutes(to: router)
        addCoinbaseRoutes(to: router)
        addControlRoutes(to: router)
        let host = configuration.host
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: router, configuration: .init(ws: .init(autoPing: .enabled(timePeriod: configuration.pingInterval)))),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "fake-exchange"),
            onServerRunning: { channel in await onListening("http://\(host):\(channel.localAddress?.port ?? 0)") },
            logger: logger
        )
        return ServiceGroup(
            configuration: .init(
                services: [.init(service: app), .init(service: RealTimeStreamTicker(exchange: self))],
                gracefulShutdownSignals: gracefulShutdownSignals, logger: logger
            ))
    }

    // MARK: The market

    /// Moves the market clock forward and pushes what happened to stream subscribers: every bar that closed
    /// (`x: true`), then the forming bar (`x: false`).
    public func advanceMarket(by seconds: TimeInterval) async {
        clock.advance(by: seconds)
        await triggerStopOrders()
        await streams.publish(now: clock.now)
    }

    /// Advances the market to the next minute boundary, so the current 1m bar closes and is sent.
    public func closeCurrentBar() async {
        let now = clock.now.timeIntervalSince1970
        await advanceMarket(by: (now / 60).rounded(.down) * 60 + 60 - now)
    }

    /// The price a market order of `symbol` would trade at now: the series', or the one a test set.
    public func price(of symbol: String) -> Decimal? {
        tradingPrices.withLock { $0[symbol] } ?? series[symbol]?.price(at: clock.now)
    }

    /// From now on `symbol` trades at `price` (nil: its series again), and the stop orders it reaches trigger — a
    /// market that jumps, for tests of resting stops. Klines and streams keep the series.
    public func setTradingPrice(_ price: Decimal?, of symbol: String) async {
        tradingPrices.withLock { $0[symbol] = price }
        await triggerStopOrders()
    }

    /// `setTradingPrice`, made just before the `read`-th account read from now (1: the next) is answered: the market
    /// moving between a client's questions about its orders and its reading of the balances.
    public func setTradingPrice(_ price: Decimal, of symbol: String, atAccountRead read: Int) {
        movesAtAccountRead.withLock { $0.append((read, symbol, price)) }
    }

    /// Counts an account read, making the price moves due at it.
    func accountRead() async {
        let due = movesAtAccountRead.withLock { moves in
            moves = moves.map { ($0.readsLeft - 1, $0.symbol, $0.price) }
            defer { moves.removeAll { $0.readsLeft <= 0 } }
            return moves.filter { $0.readsLeft <= 0 }
        }
        for move in due { await setTradingPrice(move.price, of: move.symbol) }
    }

    /// Waits (up to `timeout`) until at least `count` stream connections are subscribed, so a test's next
    /// `advanceMarket` reaches them.
    public func waitForStreamConnections(_ count: Int, timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await streams.connectionCount >= count { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Waits until every stream connection has gone: after a close, the server counts a connection until its
    /// teardown ends, so a test that reconnects must wait for this before it counts the new one.
    public func waitForNoStreamConnections(timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await streams.connectionCount == 0 { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    public func streamConnectionCount() async -> Int {
        await streams.connectionCount
    }

    // MARK: Faults

    /// The next `count` Binance requests get 429 (-1003) with `Retry-After: retryAfter`.
    public func rateLimitNextRequests(_ count: Int, retryAfter: Int) async {
        await traffic.rateLimitNext(count, retryAfter: retryAfter)
    }

    /// Every Binance request gets 418 until `seconds` have passed.
    public func ban(for seconds: TimeInterval) async {
        await traffic.ban(until: Date.now.addingTimeInterval(seconds))
    }

    /// The next new order is executed, but its answer is `fault` (a 5xx, or a late answer).
    public func failNextOrder(_ fault: FakeOrderFault) async {
        await traffic.addOrderFault(fault)
    }

    /// The next `count` Binance answers have a truncated JSON body.
    public func malformNextResponses(_ count: Int = 1) async {
        await traffic.malformNext(count)
    }

    /// `source`'s market data answers `status` until `restoreMarketData`.
    public func failMarketData(_ source: FakeMarketDataSource, status: Int = 503) async {
        await traffic.setOutage(source, status: status)
    }

    public func restoreMarketData(_ source: FakeMarketDataSource) async {
        await traffic.setOutage(source, status: nil)
    }

    /// Every Binance REST request — ping, account, orders, klines — answers `status` until `restoreREST`.
    public func failREST(status: Int = 503) async {
        await traffic.setRESTOutage(status: status)
    }

    public func restoreREST() async {
        await traffic.setRESTOutage(status: nil)
    }

    /// Drops every stream connection without a close frame.
    public func cutStreamConnections() async {
        await streams.broadcast(.cut)
    }

    /// Closes every stream connection as Binance does when it reaches 24 hours.
    public func endStreamConnectionsAfter24Hours() async {
        await streams.broadcast(.endAfter24Hours)
    }

    /// Removes every pending fault (bans, 429s, order faults, malformed answers, outages).
    public func clearFaults() async {
        await traffic.clearFaults()
    }

    // MARK: Orders and the account

    /// Fills a resting LIMIT order completely, at `price` or its limit price.
    public func fillOrder(symbol: String, orderId: Int64? = nil, clientOrderId: String? = nil, price: Decimal? = nil) async throws -> FakeOrder {
        try await account.fill(
            symbol: try self.symbol(named: symbol), orderId: orderId, clientOrderId: clientOrderId, price: price, now: Date.now.epochMilliseconds)
    }

    /// Places and executes an order without any client request, as if it had been placed by a client whose
    /// answer was lost ("while the client is away"); for reconciliation tests.
    public func executeOrder(symbol: String, side: String, type: String = "MARKET", quantity: Decimal, price: Decimal? = nil, clientOrderId: String)
        async throws -> FakeOrder
    {
        try await place(
            FakeOrderRequest(
                symbol: try self.symbol(named: symbol), side: side, type: type, timeInForce: type == "LIMIT" ? "GTC" : nil,
                quantity: quantity, quoteOrderQuantity: nil, price: price, clientOrderId: clientOrderId
            ))
    }

    /// Cancels an open order as if by hand on the exchange's site.
    public func cancelOrder(symbol: String, clientOrderId: String) async throws -> FakeOrder {
        try await account.cancel(symbol: symbol, orderId: nil, clientOrderId: clientOrderId, now: Date.now.epochMilliseconds)
    }

    /// Every order, oldest first.
    public func orders() async -> [FakeOrder] {
        await account.orders
    }

    public func balances() async -> [(asset: String, free: Decimal, locked: Decimal)] {
        await account.balances()
    }

    public func setBalance(asset: String, free: Decimal) async {
        await account.setBalance(asset: asset, free: free)
    }

    // MARK: Inspection

    /// The exchange requests received so far (not the control requests), oldest first.
    public func receivedRequests() async -> [FakeRecordedRequest] {
        await traffic.recorded()
    }

    public func clearReceivedRequests() async {
        await traffic.clearLog()
    }

    /// The request weight counted in the current minute.
    public func usedWeight() async -> Int {
        await traffic.usedWeight(now: .now)
    }
}

/// Pushes kline updates on a real-time clock: the forming bar every `streamUpdateInterval`, and each bar as
/// it closes. A manual clock pushes only when a test advances it, so this does nothing then.
struct RealTimeStreamTicker: Service {
    let exchange: FakeExchange

    func run() async throws {
        guard !exchange.clock.isManual else {
            try? await gracefulShutdown()
            return
        }
        let interval = exchange.configuration.streamUpdateInterval
        let intervalSeconds = TimeInterval(interval.components.seconds) + TimeInterval(interval.components.attoseconds) / 1e18
        // Stopping is the normal end of this loop, not a failure of the group.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let now = exchange.clock.now.timeIntervalSince1970
                let nextClose = (now / 60).rounded(.down) * 60 + 60.001
                try await Task.sleep(for: .milliseconds(Int64(min(intervalSeconds, nextClose - now) * 1000)))
                await exchange.streams.publish(now: exchange.clock.now)
            }
        }
    }
}
