import Foundation
import KeelsonDomain
import KeelsonMarketData
import Logging

/// Binance spot candles for the collector. History comes from the klines endpoint (1000 a request, paged by
/// start time); live candles from the kline WebSocket, where only closed klines (`x: true`) become candles.
/// The stream is reconnected with capped, jittered exponential backoff after a cut, an error or Binance's
/// 24-hour close, and every (re)connection first fills the gap since the last candle it yielded over REST, as
/// does a closed kline that arrives more than one bar after it — so the candles it yields have no hole and no
/// duplicate. Symbols are checked against exchangeInfo, cached and refreshed after `exchangeInfoMaxAge`.
/// Pings from the exchange are answered by the WebSocket layer while the stream is read.
public struct BinanceMarketDataProvider: MarketDataProvider {
    public let name = "binance"
    public let isContinuous = true
    /// The `exchange` of every candle it makes (the candle store's key): `binance` whichever URL it talks to,
    /// production, testnet or a fake, because that is the market the engine trades.
    public let exchange: String
    public let rest: BinanceRESTClient
    let stream: BinanceKlineStreamClient
    let exchangeInfo: BinanceExchangeInfoCache
    let reconnectBackoff: ReconnectBackoff
    /// A REST kline counts as closed once its close time is this far behind our clock, so a local clock a
    /// little ahead of the exchange's cannot pass off a forming bar as a closed one.
    let closeMargin: TimeInterval
    let now: @Sendable () -> Date
    let logger: Logger

    /// - Parameters:
    ///   - rest: the REST client (its `ExchangeAccess` is the budget and breaker shared with trading).
    ///   - streamURL: `BinanceKlineStreamClient.productionURL`, `testnetStreamURL`, or a fake's `ws://` URL.
    ///   - now: the market's clock (tests pass the fake exchange's).
    public init(
        rest: BinanceRESTClient, streamURL: String, exchange: String = "binance", exchangeInfoMaxAge: Duration = .seconds(3600),
        reconnectBackoff: ReconnectBackoff = ReconnectBackoff(), closeMargin: Duration = .seconds(2),
        now: @escaping @Sendable () -> Date = { .now }, logger: Logger = Logger(label: "keelson.marketdata.binance")
    ) {
        self.rest = rest
        self.exchange = exchange
        self.stream = BinanceKlineStreamClient(baseURL: streamURL, logger: logger)
        self.exchangeInfo = BinanceExchangeInfoCache(client: rest, maxAge: exchangeInfoMaxAge, now: now)
        self.reconnectBackoff = reconnectBackoff
        self.closeMargin = TimeInterval(closeMargin.components.seconds) + TimeInterval(closeMargin.components.attoseconds) / 1e18
        self.now = now
        self.logger = logger
    }

    public static let testnetStreamURL = "wss://stream.testnet.binance.vision"

    /// Where the kline streams are read.
    public var streamURL: String { stream.baseURL }

    /// The budget and breaker of the Binance host, shared with every other client of it in the process.
    public var access: ExchangeAccess { rest.access }

    public func candles(symbol: Symbol, interval: CandleInterval, from: Date, to: Date) async throws -> [Candle] {
        try await checkListed(symbol)
        let settled = now().addingTimeInterval(-closeMargin)
        let end = min(to, settled)
        guard from < end else { return [] }
        return try await rest.klines(symbol: symbol.rawValue, interval: interval, from: from, to: end)
            .filter { $0.isClosed(at: settled) }
            .map { $0.candle(symbol: symbol, interval: interval, exchange: exchange) }
    }

    public func liveCandles(symbol: Symbol, interval: CandleInterval, after: Date?) -> AsyncThrowingStream<Candle, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await follow(symbol, interval, after: after) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Reads the stream, reconnecting until cancelled; throws only what retrying cannot cure (an unknown
    /// symbol, a request the exchange refuses).
    private func follow(_ symbol: Symbol, _ interval: CandleInterval, after: Date?, yield: (Candle) -> Void) async throws {
        let streamName = BinanceKlineEvent.streamName(symbol: symbol.rawValue, interval: interval)
        let step = TimeInterval(interval.seconds)
        var last = after
        var attempt = 0
        func emit(_ candle: Candle) {
            yield(candle)
            last = candle.openTime
        }
        while true {
            // Connecting starts now; the gap is filled while it is under way, and whatever the stream sends
            // meanwhile waits in its buffer.
            let events = stream.events(streams: [streamName])
            do {
                if let known = last {
                    for candle in try await candles(symbol: symbol, interval: interval, from: known.addingTimeInterval(step), to: now()) {
                        emit(candle)
                    }
                }
                for try await event in events {
                    attempt = 0
                    guard event.isClosed else { continue }
                    let candle = event.candle(symbol: symbol, interval: interval, exchange: exchange)
                    if let known = last {
                        guard candle.openTime > known else { continue }
                        if candle.openTime > known.addingTimeInterval(step) {
                            // Bars closed before this connection was subscribed never come on it.
                            for missing in try await candles(
                                symbol: symbol, interval: interval, from: known.addingTimeInterval(step), to: candle.openTime)
                            { emit(missing) }
                        }
                    }
                    emit(candle)
                }
                try Task.checkCancellation()
                logger.info("kline stream closed by the exchange; reconnecting", metadata: ["stream": "\(streamName)"])
            } catch let error where Self.isWorthRetrying(error) {
                try Task.checkCancellation()
                logger.warning(
                    "kline stream failed; reconnecting", metadata: ["stream": "\(streamName)", "error": "\(error)", "attempt": "\(attempt + 1)"])
            }
            attempt += 1
            try await Task.sleep(for: reconnectBackoff.delay(attempt: attempt))
        }
    }

    /// Everything but a refusal of the request itself: those would only be refused again.
    static func isWorthRetrying(_ error: any Error) -> Bool {
        switch error {
        case is CancellationError, is MarketDataError: return false
        case let error as BinanceError:
            switch error {
            case .api, .invalidRequest, .missingCredentials: return false
            default: return true
            }
        default: return true
        }
    }

    private func checkListed(_ symbol: Symbol) async throws {
        let listed = try await exchangeInfo.listedSymbols()
        guard listed.contains(symbol.rawValue) else {
            throw MarketDataError.unknownSymbol(
                provider: name, symbol: symbol.rawValue, available: Array(listed.filter { $0.hasPrefix(symbol.rawValue.prefix(3)) }.prefix(10)))
        }
    }
}
