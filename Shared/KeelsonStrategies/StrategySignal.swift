import Foundation
import KeelsonDomain

/// What a strategy says after a bar closes: buy (enter long) or sell (exit), how strongly, and why. It is
/// acted on at the next price seen, never at the close it was computed on.
public struct StrategySignal: Sendable, Equatable, Hashable, Codable {
    public var symbol: Symbol
    public var interval: CandleInterval
    public var side: TradeSide
    /// 0...1: how far past its trigger the indicator was.
    public var strength: Double
    /// Open time of the bar the signal was computed on.
    public var barTime: Date
    /// Close of that bar: the price seen at decision time.
    public var price: Decimal
    public var reason: String

    public init(symbol: Symbol, interval: CandleInterval, side: TradeSide, strength: Double, barTime: Date, price: Decimal, reason: String) {
        self.symbol = symbol
        self.interval = interval
        self.side = side
        self.strength = min(max(strength, 0), 1)
        self.barTime = barTime
        self.price = price
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case symbol, interval, side, strength, price, reason
        case barTime = "bar_time"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        symbol = try container.decode(Symbol.self, forKey: .symbol)
        interval = try container.decode(CandleInterval.self, forKey: .interval)
        side = try container.decode(TradeSide.self, forKey: .side)
        strength = try container.decode(Double.self, forKey: .strength)
        barTime = try container.decode(Date.self, forKey: .barTime)
        price = try container.decodeDecimalString(forKey: .price)
        reason = try container.decode(String.self, forKey: .reason)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(symbol, forKey: .symbol)
        try container.encode(interval, forKey: .interval)
        try container.encode(side, forKey: .side)
        try container.encode(strength, forKey: .strength)
        try container.encode(barTime, forKey: .barTime)
        try container.encode(price.description, forKey: .price)
        try container.encode(reason, forKey: .reason)
    }
}
