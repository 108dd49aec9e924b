import Foundation
import KeelsonDomain
import KeelsonMarketData
import Logging

/// Coinbase public candles for the collector, for the symbols of `products` (BTCUSDT → BTC-USD by default).
/// Coinbase's public candles are REST only, so live candles come from polling: once a bar has closed (and
/// `closeMargin` has passed, so Coinbase has settled it) the provider asks for every bar since the last one it
/// yielded. Coinbase leaves out bars in which nothing traded; those stay missing. Failed polls are retried with
/// capped, jittered backoff; the Coinbase client feeds the exchange's breaker.
public struct CoinbaseMarketDataProvider: MarketDataProvider {
    public let name = "coinbase"
    public let isContinuous = true
    /// The `exchange` of every candle it makes: `coinbase`, so its prices never mix with another exchange's
    /// series in the store.
    public let exchange: String
    public let client: CoinbaseCandlesClient
    public let products: CoinbaseProductMap
    let closeMargin: TimeInterval
    /// The longest the poller sleeps without looking at the clock again.
    let recheck: Duration
    let retryBackoff: ReconnectBackoff
    let now: @Sendable () -> Date
    let logger: Logger

    /// - Parameter now: the market's clock (tests pass the fake exchange's).
    public init(
        client: CoinbaseCandlesClient, products: CoinbaseProductMap = CoinbaseProductMap(), exchange: String = "coinbase",
        closeMargin: Duration = .seconds(5), recheck: Duration = .seconds(1), retryBackoff: ReconnectBackoff = ReconnectBackoff(),
        now: @escaping @Sendable () -> Date = { .now }, logger: Logger = Logger(label: "keelson.marketdata.coinbase")
    ) {
        self.client = client
        self.products = products
        self.exchange = exchange
        self.closeMargin = TimeInterval(closeMargin.components.seconds) + TimeInterval(closeMargin.components.attoseconds) / 1e18
        self.recheck = max(recheck, .milliseconds(1))
        self.retryBackoff = retryBackoff
        self.now = now
        self.logger = logger
    }

    /// The breaker of the Coinbase host, shared with every other client of it in the process.
    public var access: ExchangeAccess { client.access }

    /// The intervals Coinbase has candles of.
    public static let supportedIntervals = CandleInterval.allCases.filter { CoinbaseCandlesClient.granularity($0) != nil }

    public func candles(symbol: Symbol, interval: CandleInterval, from: Date, to: Date) async throws -> [Candle] {
        let product = try productID(symbol, interval)
        let end = min(to, settledBoundary(interval, at: now()))
        guard from < end else { return [] }
        return try await client.candles(productID: product, symbol: symbol, interval: interval, from: from, to: end, exchange: exchange)
    }

    public func liveCandles(symbol: Symbol, interval: CandleInterval, after: Date?) -> AsyncThrowingStream<Candle, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await poll(symbol, interval, after: after) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Polls until cancelled; throws only what retrying cannot cure (an unknown product, an interval Coinbase lacks).
    private func poll(_ symbol: Symbol, _ interval: CandleInterval, after: Date?, yield: (Candle) -> Void) async throws {
        // Refused at once, not at the first bar that closes.
        _ = try productID(symbol, interval)
        let step = TimeInterval(interval.seconds)
        var last = after
        var nextPoll = Date.distantPast
        var failures = 0
        while true {
            let current = now()
            if current >= nextPoll {
                let boundary = settledBoundary(interval, at: current)
                // Without a starting point, the first candle is the bar that closed last.
                let from = last.map { $0.addingTimeInterval(step) } ?? boundary.addingTimeInterval(-step)
                if from < boundary {
                    do {
                        for candle in try await candles(symbol: symbol, interval: interval, from: from, to: boundary)
                        where candle.openTime > last ?? .distantPast {
                            yield(candle)
                            last = candle.openTime
                        }
                        failures = 0
                    } catch let error where Self.isWorthRetrying(error) {
                        failures += 1
                        var wait = retryBackoff.delay(attempt: failures)
                        if case .rateLimited(let retryAfter?) = error as? CoinbaseError { wait = max(wait, retryAfter) }
                        logger.warning(
                            "coinbase poll failed; retrying", metadata: ["symbol": "\(symbol)", "error": "\(error)", "retry_in": "\(wait)"])
                        try await Task.sleep(for: wait)
                        continue
                    }
                }
                // The next bar can be asked for once it has closed and settled.
                nextPoll = boundary.addingTimeInterval(step + closeMargin)
            }
            let untilDue = Duration.milliseconds(Int64(max(nextPoll.timeIntervalSince(now()), 0.001) * 1000))
            try await Task.sleep(for: min(untilDue, recheck))
        }
    }

    /// Everything but a refusal of the request itself (4xx), which would only be refused again.
    static func isWorthRetrying(_ error: any Error) -> Bool {
        switch error {
        case is CancellationError, is MarketDataError: return false
        case let error as CoinbaseError:
            switch error {
            case .api, .unsupportedInterval: return false
            default: return true
            }
        default: return true
        }
    }

    /// Bars opening before this have closed at least `closeMargin` ago.
    private func settledBoundary(_ interval: CandleInterval, at time: Date) -> Date {
        let step = TimeInterval(interval.seconds)
        return Date(timeIntervalSince1970: (time.addingTimeInterval(-closeMargin).timeIntervalSince1970 / step).rounded(.down) * step)
    }

    private func productID(_ symbol: Symbol, _ interval: CandleInterval) throws(MarketDataError) -> String {
        guard CoinbaseCandlesClient.granularity(interval) != nil else {
            throw .unsupportedInterval(provider: name, interval: interval.rawValue, supported: Self.supportedIntervals.map(\.rawValue))
        }
        guard let product = products.productID(for: symbol) else {
            throw .unknownSymbol(provider: name, symbol: symbol.rawValue, available: products.explicit.keys.map(\.rawValue).sorted())
        }
        return product
    }
}
