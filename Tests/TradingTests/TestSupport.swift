import Foundation
import KeelsonDomain
import KeelsonTrading

/// An exact decimal from its text, so no binary floating point sneaks into expected values.
func dec(_ text: String) -> Decimal {
    guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
        fatalError("'\(text)' is not a decimal")
    }
    return value
}

let btc = Symbol(rawValue: "BTCUSDT")!

/// A UTC instant from its components.
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    return calendar.date(from: components)!
}

/// A one-hour BTCUSDT bar; prices are given as text so they are exact.
func bar(
    _ open: String, _ high: String, _ low: String, _ close: String, volume: String = "1000",
    at openTime: Date = utc(2024, 1, 1)
) -> Candle {
    Candle(
        exchange: "binance", symbol: btc, interval: .oneHour, openTime: openTime,
        open: dec(open), high: dec(high), low: dec(low), close: dec(close), volume: dec(volume)
    )
}

extension Optional where Wrapped == ExitTrigger {
    /// Whether this is the exit `cause` at `price`, crossing `level`.
    func matches(_ cause: OrderCause, price: Decimal, level: Decimal) -> Bool {
        guard let trigger = self else { return false }
        return trigger.cause == cause && trigger.price == price && trigger.level == level
    }
}

extension ExitTrigger {
    func matches(_ cause: OrderCause, price: Decimal, level: Decimal) -> Bool {
        Optional(self).matches(cause, price: price, level: level)
    }
}
