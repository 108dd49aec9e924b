import Foundation
import KeelsonDomain

/// Builds longer bars from 1-minute bars: a bar is emitted only when every minute of its interval is present,
/// so an incomplete (still open) bar never leaves here.
public enum CandleAggregation {
    public static func aggregate(_ minutes: [Candle], to interval: CandleInterval) -> [Candle] {
        guard interval != .oneMinute else { return minutes }
        let size = interval.seconds
        let needed = Int(size / 60)
        var result: [Candle] = []
        var bucket: [Candle] = []
        var bucketStart: Int64?
        func flush() {
            guard let start = bucketStart, bucket.count == needed, let first = bucket.first, let last = bucket.last else { return }
            result.append(
                Candle(
                    exchange: first.exchange, symbol: first.symbol, interval: interval, openTime: Date(timeIntervalSince1970: TimeInterval(start)),
                    open: first.open, high: bucket.map(\.high).max() ?? first.high, low: bucket.map(\.low).min() ?? first.low,
                    close: last.close, volume: bucket.reduce(Decimal(0)) { $0 + $1.volume }
                ))
        }
        for candle in minutes {
            let seconds = Int64(candle.openTime.timeIntervalSince1970)
            let start = seconds - ((seconds % size) + size) % size
            if start != bucketStart {
                flush()
                bucket.removeAll(keepingCapacity: true)
                bucketStart = start
            }
            bucket.append(candle)
        }
        flush()
        return result
    }
}
