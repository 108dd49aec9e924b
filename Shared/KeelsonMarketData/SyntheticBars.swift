import Foundation
import KeelsonDomain

/// Deterministic, realistic-looking 1-minute bars: a random walk whose volatility clusters (GARCH(1,1)), with a
/// gap at each day's open. Each UTC day is generated on its own from (seed, symbol, day), starting from a daily
/// level that is itself a seeded walk over days, so any time range is reproducible without generating
/// everything before it, and the same seed always gives the same series.
public struct SyntheticBars: Sendable {
    public let seed: UInt64
    /// Days are counted from here; the walk of daily levels starts at `startPrice` on this day.
    public static let epoch = Date(timeIntervalSince1970: 1_577_836_800)  // 2020-01-01T00:00:00Z
    static let minutesPerDay = 1_440

    public init(seed: UInt64) {
        self.seed = seed
    }

    /// The price a symbol's walk starts from, between 10 and 1,000, fixed by the symbol's name.
    static func startPrice(_ symbol: Symbol) -> Double {
        let hash = stableHash(symbol.rawValue)
        return 10 * pow(100, Double(hash % 10_000) / 10_000)
    }

    /// One-minute bars with open time in `[from, to)`; times are aligned to whole minutes.
    public func minuteBars(symbol: Symbol, exchange: String = "synthetic", from: Date, to: Date) -> [Candle] {
        guard to > from else { return [] }
        let firstMinute = Int64((max(from, Self.epoch).timeIntervalSince1970 / 60).rounded(.up))
        let lastMinute = Int64((to.timeIntervalSince1970 / 60).rounded(.up))
        guard lastMinute > firstMinute else { return [] }
        var result: [Candle] = []
        result.reserveCapacity(Int(lastMinute - firstMinute))
        let epochMinute = Int64(Self.epoch.timeIntervalSince1970 / 60)
        var day = (firstMinute - epochMinute) / Int64(Self.minutesPerDay)
        var dailyLevels = DailyLevels(seed: seed, symbol: symbol)
        while true {
            let dayStart = epochMinute + day * Int64(Self.minutesPerDay)
            if dayStart >= lastMinute { break }
            let bars = dayBars(symbol: symbol, day: day, open: dailyLevels.level(day: day))
            for (offset, bar) in bars.enumerated() {
                let minute = dayStart + Int64(offset)
                guard minute >= firstMinute, minute < lastMinute else { continue }
                result.append(Candle(
                    exchange: exchange, symbol: symbol, interval: .oneMinute, openTime: Date(timeIntervalSince1970: TimeInterval(minute * 60)),
                    open: Self.price(bar.open), high: Self.price(bar.high), low: Self.price(bar.low), close: Self.price(bar.close),
                    volume: Decimal(string: String(format: "%.4f", bar.volume)) ?? 0
                ))
            }
            day += 1
        }
        return result
    }

    /// Prices rounded to 4 decimal places so they are exact decimals like an exchange's.
    static func price(_ value: Double) -> Decimal {
        Decimal(string: String(format: "%.4f", value)) ?? Decimal(value)
    }

    struct Bar { var open, high, low, close, volume: Double }

    private func dayBars(symbol: Symbol, day: Int64, open level: Double) -> [Bar] {
        var generator = SplitMix64(seed: seed ^ Self.stableHash(symbol.rawValue) ^ (UInt64(bitPattern: day) &* 0x9E37_79B9_7F4A_7C15))
        // The day opens away from the previous level: the opening gap.
        var price = level * exp(0.004 * generator.nextGaussian())
        var variance = 0.0008 * 0.0008
        var lastShock = 0.0
        var bars: [Bar] = []
        bars.reserveCapacity(Self.minutesPerDay)
        for _ in 0..<Self.minutesPerDay {
            // GARCH(1,1): large moves make the next moves larger, so volatility comes in clusters.
            variance = 0.000_000_02 + 0.08 * lastShock * lastShock + 0.90 * variance
            let shock = sqrt(variance) * generator.nextGaussian()
            lastShock = shock
            let open = price
            let close = open * exp(shock)
            let spread = abs(generator.nextGaussian()) * sqrt(variance) * 0.5
            let high = max(open, close) * exp(spread)
            let low = min(open, close) * exp(-abs(generator.nextGaussian()) * sqrt(variance) * 0.5)
            let volume = 10 * exp(1.5 * generator.nextGaussian() * 0.5) * (1 + abs(shock) * 200)
            bars.append(Bar(open: open, high: high, low: low, close: close, volume: volume))
            price = close
        }
        return bars
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

/// The walk of daily opening levels, extended lazily and remembered, so a range query costs one step per day.
struct DailyLevels {
    private var levels: [Double]
    private var generator: SplitMix64

    init(seed: UInt64, symbol: Symbol) {
        levels = [SyntheticBars.startPrice(symbol)]
        generator = SplitMix64(seed: seed ^ SyntheticBars.stableHash("daily:" + symbol.rawValue))
    }

    mutating func level(day: Int64) -> Double {
        while levels.count <= day {
            levels.append(levels[levels.count - 1] * exp(0.02 * generator.nextGaussian()))
        }
        return levels[Int(max(day, 0))]
    }
}
