import Foundation

/// The kind of day a synthetic market has. Days cycle through the four regimes from the profile's reference day,
/// so the three sample days are a trend, a range and a sell-off with its recovery — what trend-following and
/// mean-reverting strategies each need to show themselves on — and a long history averages out to no drift.
enum MarketRegime: Int, CaseIterable, Sendable {
    case trendUp, range, selloffAndRecovery, trendDown

    static func of(day: Int64, referenceDay: Int64) -> MarketRegime {
        let cycle = Int64(allCases.count)
        return MarketRegime(rawValue: Int(((day - referenceDay) % cycle + cycle) % cycle))!
    }

    /// The expected log change from the day's open to its close, and the spread of it.
    var dailyDrift: (mean: Double, deviation: Double) {
        switch self {
        case .trendUp: (0.035, 0.008)
        case .range: (0, 0.003)
        case .selloffAndRecovery: (-0.015, 0.006)
        case .trendDown: (-0.02, 0.008)
        }
    }

    /// How strongly the price is pulled back to the day's path each minute: weak on trend days (a random walk with
    /// drift), strong on a range day (mean reversion, half-life ≈ 25 minutes).
    var pull: Double {
        switch self {
        case .trendUp, .trendDown: 0.003
        case .range: 0.028
        case .selloffAndRecovery: 0.03
        }
    }

    // The sell-off: from 13:30 UTC (the US session's approach, when crypto volatility peaks) to its low at 14:10,
    // then recovering until 20:30.
    static let crashStart = 810, crashLow = 850, recoveryEnd = 1_230
    static let crashDepth = -0.08

    /// Where the day's path sits at `minute` (log change from the open), for a day that ends at `close`.
    func path(minute: Int, close: Double) -> Double {
        let progress = Double(minute) / 1_440
        switch self {
        case .trendUp, .trendDown, .range: return close * progress
        case .selloffAndRecovery:
            if minute <= Self.crashStart { return 0 }
            if minute <= Self.crashLow {
                return Self.crashDepth * Double(minute - Self.crashStart) / Double(Self.crashLow - Self.crashStart)
            }
            if minute <= Self.recoveryEnd {
                let recovered = Double(minute - Self.crashLow) / Double(Self.recoveryEnd - Self.crashLow)
                return Self.crashDepth + (close - Self.crashDepth) * recovered
            }
            return close
        }
    }

    /// Volatility relative to an ordinary minute: quieter in a range, wild in the sell-off, nervous in the recovery.
    func volatilityMultiplier(minute: Int) -> Double {
        switch self {
        case .trendUp, .trendDown: 1
        case .range: 0.7
        case .selloffAndRecovery:
            if minute > Self.crashStart && minute <= Self.crashLow + 20 {
                2.5
            } else if minute > Self.crashLow && minute <= Self.recoveryEnd {
                1.4
            } else {
                1
            }
        }
    }
}
