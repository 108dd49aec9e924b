import KeelsonDomain
import KeelsonIndicators

/// Bars built to stress the edge cases GOOG.csv never reaches: runs of identical flat bars (zero range), runs of
/// zero volume, fractional volumes, huge volume spikes and price jumps.
enum SyntheticBars {
    static func make(count: Int, seed: UInt64) -> [OHLCV] {
        var random = SplitMix64(seed: seed)
        var bars: [OHLCV] = []
        var close = 100.0
        var index = 0
        while index < count {
            let regime = Int.random(in: 0..<10, using: &random)
            let run = Int.random(in: 1...8, using: &random)
            for _ in 0..<run where index < count {
                defer { index += 1 }
                switch regime {
                case 0:
                    // Market closed: no range, no volume.
                    bars.append(OHLCV(open: close, high: close, low: close, close: close, volume: 0))
                case 1:
                    // A jump on a huge volume spike.
                    let open = close
                    close *= Double.random(in: 0.7...1.4, using: &random)
                    bars.append(
                        OHLCV(
                            open: open, high: max(open, close) * 1.01, low: min(open, close) * 0.99, close: close,
                            volume: Double.random(in: 1e12...1e15, using: &random)
                        ))
                default:
                    let open = close
                    close = max(0.01, close + Double.random(in: -2...2, using: &random))
                    let high = max(open, close) + Double.random(in: 0...1.5, using: &random)
                    let low = max(0.001, min(open, close) - Double.random(in: 0...1.5, using: &random))
                    let volume = regime == 2 ? Double.random(in: 0...1, using: &random) : Double.random(in: 1_000...1e7, using: &random).rounded()
                    bars.append(OHLCV(open: open, high: high, low: low, close: close, volume: volume))
                }
            }
        }
        return bars
    }
}
