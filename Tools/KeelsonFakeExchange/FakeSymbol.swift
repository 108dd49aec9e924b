import Foundation

/// A symbol the fake exchange lists, with the filters it enforces and the price its series starts from.
public struct FakeSymbol: Sendable, Equatable {
    public var symbol: String
    public var baseAsset: String
    public var quoteAsset: String
    public var startPrice: Decimal
    public var minPrice: Decimal, maxPrice: Decimal, tickSize: Decimal
    public var minQty: Decimal, maxQty: Decimal, stepSize: Decimal
    public var minNotional: Decimal, applyMinToMarket: Bool, maxNotional: Decimal, applyMaxToMarket: Bool

    public init(
        symbol: String, baseAsset: String, quoteAsset: String, startPrice: Decimal,
        minPrice: Decimal = Decimal(string: "0.01")!, maxPrice: Decimal = 1_000_000, tickSize: Decimal = Decimal(string: "0.01")!,
        minQty: Decimal = Decimal(string: "0.00001")!, maxQty: Decimal = 9000, stepSize: Decimal = Decimal(string: "0.00001")!,
        minNotional: Decimal = 5, applyMinToMarket: Bool = true, maxNotional: Decimal = 9_000_000, applyMaxToMarket: Bool = false
    ) {
        self.symbol = symbol
        self.baseAsset = baseAsset
        self.quoteAsset = quoteAsset
        self.startPrice = startPrice
        self.minPrice = minPrice
        self.maxPrice = maxPrice
        self.tickSize = tickSize
        self.minQty = minQty
        self.maxQty = maxQty
        self.stepSize = stepSize
        self.minNotional = minNotional
        self.applyMinToMarket = applyMinToMarket
        self.maxNotional = maxNotional
        self.applyMaxToMarket = applyMaxToMarket
    }

    /// BTCUSDT with the filters recorded from Binance (EXCHANGES.md).
    public static let btcusdt = FakeSymbol(symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT", startPrice: 60_000)

    static let knownQuoteAssets = ["USDT", "USDC", "FDUSD", "BUSD", "TUSD", "BTC", "ETH", "BNB", "EUR", "TRY"]

    /// A symbol from its name alone (`ETHUSDT` → ETH / USDT), with the recorded BTCUSDT filters; nil when no
    /// known quote asset ends the name.
    public static func named(_ name: String) -> FakeSymbol? {
        let upper = name.uppercased()
        if upper == btcusdt.symbol { return btcusdt }
        guard let quote = knownQuoteAssets.first(where: { upper.hasSuffix($0) && upper.count > $0.count }) else { return nil }
        let base = String(upper.dropLast(quote.count))
        let startPrice: Decimal =
            switch base {
            case "BTC": 60_000
            case "ETH": 3_000
            case "BNB": 600
            default: 100
            }
        return FakeSymbol(symbol: upper, baseAsset: base, quoteAsset: quote, startPrice: startPrice)
    }
}
