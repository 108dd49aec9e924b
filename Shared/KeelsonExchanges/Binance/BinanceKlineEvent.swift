import Foundation
import KeelsonDomain

/// A `<symbol>@kline_<interval>` stream message: the bar so far, sent every update interval, and once more
/// with `isClosed` (`x: true`) when the bar closes — only that one is a final candle.
public struct BinanceKlineEvent: Sendable, Equatable, Decodable {
    /// The stream it came on, e.g. `btcusdt@kline_1m` (set for combined streams only).
    public var stream: String?
    public var eventTime: Date
    public var symbol: String
    public var interval: String
    public var openTime: Date
    public var closeTime: Date
    public var open: Decimal
    public var high: Decimal
    public var low: Decimal
    public var close: Decimal
    public var volume: Decimal
    public var numberOfTrades: Int64
    public var isClosed: Bool
    public var quoteVolume: Decimal

    enum EventKeys: String, CodingKey { case e = "e", eventTime = "E", symbol = "s", kline = "k" }
    enum KlineKeys: String, CodingKey {
        case openTime = "t", closeTime = "T", symbol = "s", interval = "i", open = "o", close = "c", high = "h", low = "l"
        case volume = "v", numberOfTrades = "n", isClosed = "x", quoteVolume = "q"
    }
    enum CombinedKeys: String, CodingKey { case stream, data }

    /// Reads a raw stream payload or a combined stream's `{"stream","data"}` wrapper.
    public init(from decoder: any Decoder) throws {
        let combined = try decoder.container(keyedBy: CombinedKeys.self)
        if combined.contains(.data) {
            var event = try combined.decode(BinanceKlineEvent.self, forKey: .data)
            event.stream = try combined.decode(String.self, forKey: .stream)
            self = event
            return
        }
        let container = try decoder.container(keyedBy: EventKeys.self)
        let type = try container.decode(String.self, forKey: .e)
        guard type == "kline" else {
            throw DecodingError.dataCorruptedError(forKey: .e, in: container, debugDescription: "event type '\(type)' is not kline")
        }
        stream = nil
        eventTime = try container.decodeEpochMilliseconds(forKey: .eventTime)
        let kline = try container.nestedContainer(keyedBy: KlineKeys.self, forKey: .kline)
        symbol = try kline.decode(String.self, forKey: .symbol)
        interval = try kline.decode(String.self, forKey: .interval)
        openTime = try kline.decodeEpochMilliseconds(forKey: .openTime)
        closeTime = try kline.decodeEpochMilliseconds(forKey: .closeTime)
        open = try kline.decodeDecimalString(forKey: .open)
        high = try kline.decodeDecimalString(forKey: .high)
        low = try kline.decodeDecimalString(forKey: .low)
        close = try kline.decodeDecimalString(forKey: .close)
        volume = try kline.decodeDecimalString(forKey: .volume)
        numberOfTrades = try kline.decodeFlexibleInt64(forKey: .numberOfTrades)
        isClosed = try kline.decode(Bool.self, forKey: .isClosed)
        quoteVolume = try kline.decodeDecimalString(forKey: .quoteVolume)
    }

    /// The bar as a `Candle`; only meaningful as a final candle when `isClosed`.
    public func candle(symbol: Symbol, interval: CandleInterval, exchange: String = "binance") -> Candle {
        Candle(
            exchange: exchange, symbol: symbol, interval: interval, openTime: openTime, open: open, high: high, low: low, close: close, volume: volume
        )
    }

    /// The stream name for a symbol and interval, e.g. `btcusdt@kline_1m`.
    public static func streamName(symbol: String, interval: CandleInterval) -> String {
        "\(symbol.lowercased())@kline_\(interval.binanceInterval)"
    }
}
