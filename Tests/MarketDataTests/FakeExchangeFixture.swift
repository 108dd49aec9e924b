import AsyncHTTPClient
import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonFakeExchange

/// A fake exchange on a free loopback port with a market clock that moves only when a test says so, and the
/// real market-data providers pointed at it: fast reconnects, no close margin, the fake's clock as theirs, and
/// budgets and breakers of their own so tests running side by side cannot disturb each other.
struct FakeExchangeFixture: Sendable {
    /// 2024-04-04T00:00:30Z: 30 s into a minute, so the bar opened at 00:00 is forming.
    static let marketStart = Date(timeIntervalSince1970: 1_712_188_830)
    static let btc = try! Symbol(parsing: "BTCUSDT")

    let exchange: FakeExchange
    let baseURL: String

    var streamURL: String { baseURL.replacingOccurrences(of: "http://", with: "ws://") }
    var now: @Sendable () -> Date { { [clock = exchange.clock] in clock.now } }

    @discardableResult
    static func run<Result: Sendable>(_ body: (FakeExchangeFixture) async throws -> Result) async throws -> Result {
        var configuration = FakeExchangeConfiguration()
        configuration.clock = .manual(start: marketStart)
        configuration.symbols = [.btcusdt, FakeSymbol.named("ETHUSDT")!]
        let exchange = FakeExchange(configuration: configuration)
        return try await exchange.withRunning { baseURL in try await body(FakeExchangeFixture(exchange: exchange, baseURL: baseURL)) }
    }

    /// The open time of the bar forming now, moved by `minutes`.
    func minute(_ minutes: Int) -> Date {
        Date(timeIntervalSince1970: (exchange.clock.now.timeIntervalSince1970 / 60).rounded(.down) * 60 + Double(minutes * 60))
    }

    func binanceAccess(failureThreshold: Int = 5, openDuration: TimeInterval = 30) -> ExchangeAccess {
        ExchangeAccess(exchange: "fake-binance-\(UUID().uuidString.prefix(8))", failureThreshold: failureThreshold, openDuration: openDuration)
    }

    func coinbaseAccess() -> ExchangeAccess {
        ExchangeAccess(exchange: "fake-coinbase-\(UUID().uuidString.prefix(8))")
    }

    func restClient(access: ExchangeAccess? = nil) -> BinanceRESTClient {
        BinanceRESTClient(baseURL: baseURL, httpClient: .shared, access: access ?? binanceAccess())
    }

    func binance(access: ExchangeAccess? = nil) -> BinanceMarketDataProvider {
        BinanceMarketDataProvider(
            rest: restClient(access: access), streamURL: streamURL,
            reconnectBackoff: ReconnectBackoff(initial: .milliseconds(10), maximum: .milliseconds(50)), closeMargin: .zero, now: now
        )
    }

    func coinbase(access: ExchangeAccess? = nil) -> CoinbaseMarketDataProvider {
        CoinbaseMarketDataProvider(
            client: CoinbaseCandlesClient(baseURL: baseURL, httpClient: .shared, access: access ?? coinbaseAccess()),
            closeMargin: .zero, recheck: .milliseconds(10), retryBackoff: ReconnectBackoff(initial: .milliseconds(10), maximum: .milliseconds(50)),
            now: now
        )
    }

    /// The fake's own klines for `[from, to)` as candles: what every Binance candle must equal.
    func binanceSeries(from: Date, to: Date) async throws -> [Candle] {
        try await restClient().klines(symbol: "BTCUSDT", interval: .oneMinute, from: from, to: to).map {
            $0.candle(symbol: Self.btc, interval: .oneMinute)
        }
    }
}

/// Collects what an async sequence yields, for a test to wait on and inspect.
actor Received<Element: Sendable> {
    private(set) var items: [Element] = []

    func append(_ item: Element) { items.append(item) }

    /// Waits until at least `count` items arrived (failing the wait after `timeout`, a guard only).
    func waitFor(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [Element] {
        let deadline = ContinuousClock.now + timeout
        while items.count < count {
            guard ContinuousClock.now < deadline else { throw WaitTimeout(what: "\(count) items (have \(items.count))") }
            try await Task.sleep(for: .milliseconds(5))
        }
        return items
    }
}

struct WaitTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` until it holds (failing after `timeout`, a guard only).
func waitUntil(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimeout(what: what) }
        try await Task.sleep(for: .milliseconds(10))
    }
}
