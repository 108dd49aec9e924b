import Foundation

/// How volatility and volume vary through the UTC day, in the shape Hansen, Kim and Kimbrough measured on Binance
/// and Coinbase ("Periodicity in Cryptocurrency Volatility and Liquidity", Journal of Financial Econometrics 22(1),
/// 2024): highest in the hours around the US open (peak near 15:00 UTC), lowest in the Asian late night (near
/// 03:00 UTC), with a burst in the first minute of every hour, smaller ones after :15, :30 and :45, and small ones
/// every five minutes. Normalised so that a whole day's mean variance is 1.
enum IntradaySeasonality {
    /// The volatility multiplier of each minute of the day.
    static let volatility: [Double] = {
        var values = (0..<1_440).map { minute -> Double in
            let hour = Double(minute) / 60
            var level = 1 + 0.35 * cos(2 * .pi * (hour - 15) / 24)
            let minuteOfHour = minute % 60
            if minuteOfHour == 0 {
                level *= 1.8
            } else if minuteOfHour % 15 == 0 {
                level *= 1.3
            } else if minuteOfHour % 5 == 0 {
                level *= 1.1
            }
            return level
        }
        let meanSquare = values.reduce(0) { $0 + $1 * $1 } / Double(values.count)
        values = values.map { $0 / meanSquare.squareRoot() }
        return values
    }()

    /// The volume multiplier of each minute: volume follows volatility's hourly shape, with mean 1.
    static let volume: [Double] = {
        let mean = volatility.reduce(0, +) / Double(volatility.count)
        return volatility.map { $0 / mean }
    }()
}
