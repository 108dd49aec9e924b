import Foundation
import KeelsonDomain

/// One row of `GET /api/v3/klines`, a 12-element array: open time, open, high, low, close, volume, close
/// time, quote volume, number of trades, taker buy base volume, taker buy quote volume, unused.
public struct BinanceKline: Sendable, Equatable, Decodable {
    public var openTime: Date
    public var open: Decimal
    public var high: Decimal
    public var low: Decimal
    public var close: Decimal
    public var volume: Decimal
    /// The last millisecond of the bar (open time + interval − 1 ms).
    public var closeTime: Date
    public var quoteVolume: Decimal
    public var numberOfTrades: Int64
    public var takerBuyBaseVolume: Decimal
    public var takerBuyQuoteVolume: Decimal

    public init(from decoder: any Decoder) throws {
        var row = try decoder.unkeyedContainer()
        if let count = row.count, count < 11 {
            throw DecodingError.dataCorruptedError(in: row, debugDescription: "a kline row has 12 elements, this one \(count)")
        }
        openTime = Date(epochMilliseconds: try row.decodeFlexibleInt64())
        open = try row.decodeDecimal()
        high = try row.decodeDecimal()
        low = try row.decodeDecimal()
        close = try row.decodeDecimal()
        volume = try row.decodeDecimal()
        closeTime = Date(epochMilliseconds: try row.decodeFlexibleInt64())
        quoteVolume = try row.decodeDecimal()
        numberOfTrades = try row.decodeFlexibleInt64()
        takerBuyBaseVolume = try row.decodeDecimal()
        takerBuyQuoteVolume = try row.decodeDecimal()
    }

    /// True once the bar's close time has passed: the klines endpoint also returns the bar still forming.
    public func isClosed(at now: Date) -> Bool {
        closeTime < now
    }

    /// The bar as the project's `Candle`.
    public func candle(symbol: Symbol, interval: CandleInterval, exchange: String = "binance") -> Candle {
        Candle(
            exchange: exchange, symbol: symbol, interval: interval, openTime: openTime,
            open: open, high: high, low: low, close: close, volume: volume
        )
    }
}

extension CandleInterval {
    /// Binance's name for the interval; every Keelson interval exists on Binance under the same name.
    public var binanceInterval: String { rawValue }
}
