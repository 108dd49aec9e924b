import Foundation

/// How a fake exchange is set up. The defaults give a BTCUSDT market, the API key and secret of Binance's own
/// signing example (public, so printing them leaks nothing), and a funded account.
public struct FakeExchangeConfiguration: Sendable {
    /// Binance's documented example key and secret (EXCHANGES.md).
    public static let exampleAPIKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
    public static let exampleAPISecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

    public var host = "127.0.0.1"
    /// 0 picks a free port; `FakeExchange.baseURL` tells which.
    public var port = 0
    public var symbols: [FakeSymbol] = [.btcusdt]
    /// Seeds every symbol's price series: the same seed and clock start give the same bars.
    public var seed: UInt64 = 1
    public var apiKey = exampleAPIKey
    public var apiSecret = exampleAPISecret
    /// Charged on every fill: in the base asset for buys, in the quote asset for sells (0.001 = 0.1 %).
    public var commissionRate = Decimal(string: "0.001")!
    public var balances: [String: Decimal] = ["USDT": 100_000, "BTC": 1, "ETH": 10, "BNB": 10]
    /// REQUEST_WEIGHT per minute, advertised in exchangeInfo and enforced with 429 (-1003).
    public var weightLimitPerMinute = 6000
    /// Where the market's clock starts and whether it moves by itself (see `FakeMarketClock`).
    public var clock: FakeMarketClock.Mode = .realTime
    /// How far back the price series reaches from the clock's start.
    public var history: TimeInterval = 7 * 86_400
    /// How often a real-time clock pushes a forming kline to stream subscribers (Binance: 2 s).
    public var streamUpdateInterval: Duration = .seconds(2)
    /// How often the server pings stream connections (Binance: 20 s).
    public var pingInterval: Duration = .seconds(20)

    public init() {}
}
