import AsyncHTTPClient
import Foundation
import KeelsonExchanges
import KeelsonFakeExchange

/// Runs a fake exchange on a free loopback port with an HTTP client for the real exchange clients, and
/// stops both afterwards.
enum FakeExchangeHarness {
    /// 2024-04-04T00:00:30Z: the market clock of every test starts 30 s into a minute and moves only when told.
    static let marketStart = Date(timeIntervalSince1970: 1_712_188_830)

    static func configuration(_ adjust: (inout FakeExchangeConfiguration) -> Void = { _ in }) -> FakeExchangeConfiguration {
        var configuration = FakeExchangeConfiguration()
        configuration.clock = .manual(start: marketStart)
        configuration.symbols = [.btcusdt, FakeSymbol.named("ETHUSDT")!]
        adjust(&configuration)
        return configuration
    }

    static func run<Result: Sendable>(
        _ configuration: FakeExchangeConfiguration = configuration(),
        _ body: (FakeExchange, String, HTTPClient) async throws -> Result
    ) async throws -> Result {
        let exchange = FakeExchange(configuration: configuration)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let result = try await exchange.withRunning { baseURL in try await body(exchange, baseURL, httpClient) }
            try await httpClient.shutdown()
            return result
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }

    static let credentials = BinanceCredentials(apiKey: FakeExchangeConfiguration.exampleAPIKey, secret: FakeExchangeConfiguration.exampleAPISecret)

    /// A client with its own budget and breaker, so tests running side by side cannot disturb each other.
    static func client(
        _ baseURL: String, _ httpClient: HTTPClient, credentials: BinanceCredentials? = credentials, access: ExchangeAccess? = nil,
        timeout: Duration = .seconds(10), now: @escaping @Sendable () -> Date = { .now }
    ) -> BinanceRESTClient {
        BinanceRESTClient(
            baseURL: baseURL, credentials: credentials, httpClient: httpClient,
            access: access ?? ExchangeAccess(exchange: ExchangeAccess.exchangeKey(baseURL: baseURL)), timeout: timeout, now: now
        )
    }
}

extension Decimal {
    init(_ text: String) {
        self = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))!
    }
}
