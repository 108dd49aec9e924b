import Foundation
import KeelsonDomain

/// Which Coinbase product stands for a Keelson symbol. Coinbase names products `BASE-QUOTE` and keeps its deep
/// books in US dollars where Binance quotes in USDT, so by default a symbol ending in USDT maps to the USD
/// product (BTCUSDT → BTC-USD, treating one USDT as one dollar); one ending in USDC, USD, EUR, GBP or BTC keeps
/// that quote (ETHBTC → ETH-BTC). Explicit entries (`KEELSON_COINBASE_PRODUCTS=BTCUSDT=BTC-USD`) win.
public struct CoinbaseProductMap: Sendable, Equatable {
    public var explicit: [Symbol: String]

    /// Keelson quote suffix → Coinbase quote currency, longest first so USDT and USDC are not read as USD.
    static let quotes: [(suffix: String, coinbase: String)] = [
        ("USDT", "USD"), ("USDC", "USDC"), ("USD", "USD"), ("EUR", "EUR"), ("GBP", "GBP"), ("BTC", "BTC"),
    ]

    public init(_ explicit: [Symbol: String] = [:]) {
        self.explicit = explicit
    }

    /// The product for `symbol`; nil when there is no entry and its quote currency is not one of the defaults.
    public func productID(for symbol: Symbol) -> String? {
        if let product = explicit[symbol] { return product }
        for quote in Self.quotes where symbol.rawValue.hasSuffix(quote.suffix) && symbol.rawValue.count > quote.suffix.count {
            return "\(symbol.rawValue.dropLast(quote.suffix.count))-\(quote.coinbase)"
        }
        return nil
    }

    /// Reads `SYMBOL=BASE-QUOTE` pairs separated by commas; a failure names the entry that is not one.
    public static func parse(_ text: String) -> Result<CoinbaseProductMap, InvalidEntry> {
        var explicit: [Symbol: String] = [:]
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            let product = parts.count == 2 ? parts[1].split(separator: "-").map(String.init) : []
            guard parts.count == 2, let symbol = Symbol(rawValue: parts[0]), product.count == 2,
                product.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isUppercase || $0.isNumber } })
            else { return .failure(InvalidEntry(entry: entry)) }
            explicit[symbol] = parts[1]
        }
        return .success(CoinbaseProductMap(explicit))
    }

    /// An entry of a product list that is not `SYMBOL=BASE-QUOTE`.
    public struct InvalidEntry: Error, Sendable, Equatable, CustomStringConvertible {
        public var entry: String
        public init(entry: String) { self.entry = entry }
        public var description: String { "'\(entry)' is not SYMBOL=BASE-QUOTE; expected e.g. BTCUSDT=BTC-USD" }
    }
}
