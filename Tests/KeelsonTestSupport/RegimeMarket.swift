import Foundation
import KeelsonDomain

/// A 1-minute market whose next move repeats the last one with probability `persistence` (momentum above 0.5,
/// reversal below), as a candle CSV: a pattern a model of `return:1` can learn, and that can turn.
public enum RegimeMarket {
    public static func csv(bars count: Int, persistence: Double, seed: UInt64, start: Date = Date(timeIntervalSince1970: 1_704_067_200)) -> String {
        var generator = SplitMix64(seed: seed)
        var close = 100.0
        var lastUp = true
        var lines = ["time,open,high,low,close,volume"]
        for index in 0..<count {
            let repeats = Double(generator.next() >> 11) / Double(1 << 53) < persistence
            let up = repeats ? lastUp : !lastUp
            lastUp = up
            let open = close
            close = (close * (up ? 1.001 : 0.999) * 1e6).rounded() / 1e6
            let time = start.addingTimeInterval(Double(index) * 60).formatted(.iso8601)
            lines.append("\(time),\(open),\(max(open, close)),\(min(open, close)),\(close),10")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
