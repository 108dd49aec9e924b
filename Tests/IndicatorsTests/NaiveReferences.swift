import KeelsonIndicators

/// Deliberately plain O(n·period) definitions that recompute every window from scratch: no running sums, no
/// deques, nothing shared with the library, so an error in the library's bookkeeping cannot hide in both.
enum Naive {
    static func mean(_ values: ArraySlice<Double>) -> Double {
        values.reduce(0, +) / Double(values.count)
    }

    static func stochastic(_ bars: [OHLCV], kPeriod: Int, kSmoothing: Int, dPeriod: Int) -> [StochasticValue?] {
        let raw: [Double?] = bars.indices.map { i in
            guard i >= kPeriod - 1 else { return nil }
            let window = bars[(i - kPeriod + 1)...i]
            let highest = window.map(\.high).max()!, lowest = window.map(\.low).min()!
            return highest == lowest ? 0 : 100 * (bars[i].close - lowest) / (highest - lowest)
        }
        let kFirst = kPeriod - 1 + kSmoothing - 1
        let k: [Double?] = bars.indices.map { i in
            guard i >= kFirst else { return nil }
            return mean(ArraySlice(raw[(i - kSmoothing + 1)...i].map { $0! }))
        }
        let dFirst = kFirst + dPeriod - 1
        return bars.indices.map { i in
            guard i >= dFirst else { return nil }
            return StochasticValue(k: k[i]!, d: mean(ArraySlice(k[(i - dPeriod + 1)...i].map { $0! })))
        }
    }

    static func rollingVWAP(_ bars: [OHLCV], period: Int) -> [Double?] {
        bars.indices.map { i in
            guard i >= period - 1 else { return nil }
            let window = bars[(i - period + 1)...i]
            let typical = window.map { ($0.high + $0.low + $0.close) / 3 }
            let volume = window.map(\.volume).reduce(0, +)
            if volume == 0 { return typical.reduce(0, +) / Double(period) }
            return zip(typical, window.map(\.volume)).map { $0 * $1 }.reduce(0, +) / volume
        }
    }
}
