import Foundation
import KeelsonDomain

/// Deterministic, realistic 1-minute bars. Each UTC day is a regime (`MarketRegime`: trend up, range, sell-off and
/// recovery, trend down) whose close is drawn from (seed, symbol, day); inside it the price follows the regime's
/// path with GARCH(1,1) noise — volatility comes in clusters — scaled by the time of day (`IntradaySeasonality`),
/// and is bridged to end exactly at the next day's open, so the series is continuous like a market that never
/// closes. Any time range is reproducible without generating the minutes before it, and the same seed always
/// gives the same series.
public struct SyntheticBars: Sendable {
    public let seed: UInt64
    /// Generic symbols' days are counted from here (the calibrated ones from their profile's reference day).
    public static let epoch = Date(timeIntervalSince1970: 1_577_836_800)  // 2020-01-01T00:00:00Z
    static let minutesPerDay = 1_440

    public init(seed: UInt64) {
        self.seed = seed
    }

    /// One-minute bars with open time in `[from, to)`; times are aligned to whole minutes.
    public func minuteBars(symbol: Symbol, exchange: String = "synthetic", from: Date, to: Date) -> [Candle] {
        guard to > from else { return [] }
        let firstMinute = Int64((max(from, Self.epoch).timeIntervalSince1970 / 60).rounded(.up))
        let lastMinute = Int64((to.timeIntervalSince1970 / 60).rounded(.up))
        guard lastMinute > firstMinute else { return [] }
        let profile = MarketProfile.forSymbol(symbol)
        let market = Market(seed: seed, symbol: symbol, profile: profile)
        var result: [Candle] = []
        result.reserveCapacity(Int(lastMinute - firstMinute))
        var day = firstMinute.floorDivided(by: Int64(Self.minutesPerDay))
        var open = market.level(day: day)
        while day * Int64(Self.minutesPerDay) < lastMinute {
            let close = open * exp(market.dailyChange(day: day))
            let dayStart = day * Int64(Self.minutesPerDay)
            for (offset, bar) in market.dayBars(day: day, open: open, close: close).enumerated() {
                let minute = dayStart + Int64(offset)
                guard minute >= firstMinute, minute < lastMinute else { continue }
                result.append(
                    Candle(
                        exchange: exchange, symbol: symbol, interval: .oneMinute, openTime: Date(timeIntervalSince1970: TimeInterval(minute * 60)),
                        open: Self.rounded(bar.open, profile.priceDecimals), high: Self.rounded(bar.high, profile.priceDecimals),
                        low: Self.rounded(bar.low, profile.priceDecimals), close: Self.rounded(bar.close, profile.priceDecimals),
                        volume: Self.rounded(bar.volume, profile.volumeDecimals)
                    ))
            }
            open = close
            day += 1
        }
        return result
    }

    /// Rounded to the exchange's precision so prices are exact decimals like an exchange's (rounding is monotonic,
    /// so a bar's low ≤ open, close ≤ high survives it).
    static func rounded(_ value: Double, _ decimals: Int) -> Decimal {
        Decimal(string: String(format: "%.\(decimals)f", value)) ?? Decimal(value)
    }

    /// FNV-1a: stable across runs and platforms, unlike `Hasher`.
    static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01B3
        }
        return hash
    }
}

/// One symbol's synthetic market under one seed.
private struct Market {
    struct Bar { var open, high, low, close, volume: Double }

    let seed: UInt64
    let symbolHash: UInt64
    let profile: MarketProfile
    let referenceDay: Int64

    init(seed: UInt64, symbol: Symbol, profile: MarketProfile) {
        self.seed = seed
        self.symbolHash = SyntheticBars.stableHash(symbol.rawValue)
        self.profile = profile
        self.referenceDay = Int64(profile.referenceDate.timeIntervalSince1970 / 86_400)
    }

    /// The log change from `day`'s open to its close: the regime's drift and a seeded deviation from it.
    func dailyChange(day: Int64) -> Double {
        var generator = SplitMix64(seed: seed ^ SyntheticBars.stableHash("close") ^ symbolHash ^ (UInt64(bitPattern: day) &* 0xD1B5_4A32_D192_ED03))
        let drift = MarketRegime.of(day: day, referenceDay: referenceDay).dailyDrift
        return drift.mean + drift.deviation * generator.nextGaussian()
    }

    /// The price at midnight UTC opening `day`: the reference price, walked day by day to it.
    func level(day: Int64) -> Double {
        var logLevel = 0.0
        if day >= referenceDay {
            for earlier in referenceDay..<day { logLevel += dailyChange(day: earlier) }
        } else {
            for later in day..<referenceDay { logLevel -= dailyChange(day: later) }
        }
        return profile.referencePrice * exp(logLevel)
    }

    func dayBars(day: Int64, open: Double, close: Double) -> [Bar] {
        var generator = SplitMix64(seed: seed ^ symbolHash ^ (UInt64(bitPattern: day) &* 0x9E37_79B9_7F4A_7C15))
        let regime = MarketRegime.of(day: day, referenceDay: referenceDay)
        let target = log(close / open)
        let minutes = SyntheticBars.minutesPerDay
        // GARCH(1,1) with unit mean variance: large moves make the next moves larger.
        let alpha = 0.08, beta = 0.90
        var variance = 1.0, lastShock = 0.0
        var path = [0.0], scales: [Double] = [], shocks: [Double] = []
        path.reserveCapacity(minutes + 1)
        scales.reserveCapacity(minutes)
        shocks.reserveCapacity(minutes)
        for minute in 0..<minutes {
            variance = (1 - alpha - beta) + alpha * lastShock * lastShock + beta * variance
            let standardized = variance.squareRoot() * generator.nextGaussian()
            lastShock = standardized
            let scale = profile.minuteVolatility * IntradaySeasonality.volatility[minute] * regime.volatilityMultiplier(minute: minute)
            let current = path[minute]
            let pull = regime.pull * (regime.path(minute: minute + 1, close: target) - current)
            path.append(current + pull + scale * standardized)
            scales.append(scale * variance.squareRoot())
            shocks.append(abs(standardized))
        }
        // The bridge: spread the miss over the day so it closes exactly at the next day's open.
        let miss = target - path[minutes]
        var bars: [Bar] = []
        bars.reserveCapacity(minutes)
        for minute in 0..<minutes {
            let barOpen = open * exp(path[minute] + miss * Double(minute) / Double(minutes))
            let barClose = minute == minutes - 1 ? close : open * exp(path[minute + 1] + miss * Double(minute + 1) / Double(minutes))
            let high = max(barOpen, barClose) * exp(abs(generator.nextGaussian()) * scales[minute] * 0.6)
            let low = min(barOpen, barClose) * exp(-abs(generator.nextGaussian()) * scales[minute] * 0.6)
            // Volume: the time of day, a log-normal draw (mean 1), and more of it when the price moves.
            let activity = 0.45 + 0.7 * shocks[minute]
            let volume =
                profile.meanMinuteVolume * IntradaySeasonality.volume[minute] * exp(0.5 * generator.nextGaussian() - 0.125) * activity
            bars.append(Bar(open: barOpen, high: high, low: low, close: barClose, volume: volume))
        }
        return bars
    }
}

extension Int64 {
    /// Division rounding towards minus infinity, so times before 1970 fall on the right day.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
