import Foundation
import KeelsonDomain

/// The most recent candles per (exchange, symbol, interval), in front of the store: the latest candle and short
/// recent windows are served from memory; anything older goes to PostgreSQL.
actor CandleCache {
    struct Key: Hashable {
        var exchange: String
        var symbol: Symbol
        var interval: CandleInterval
    }

    let capacity: Int
    private var series: [Key: [Candle]] = [:]
    private(set) var hits = 0
    private(set) var misses = 0

    init(capacity: Int = 1_000) {
        self.capacity = capacity
    }

    /// Records written candles (any order); keeps the newest `capacity` per key, sorted, one per open time.
    func insert(_ candles: [Candle]) {
        for (key, group) in Dictionary(grouping: candles, by: { Key(exchange: $0.exchange, symbol: $0.symbol, interval: $0.interval) }) {
            var byTime = Dictionary((series[key] ?? []).map { ($0.openTime, $0) }, uniquingKeysWith: { _, new in new })
            for candle in group { byTime[candle.openTime] = candle }
            series[key] = Array(byTime.values.sorted { $0.openTime < $1.openTime }.suffix(capacity))
        }
    }

    func latest(_ key: Key) -> Candle? {
        if let candle = series[key]?.last {
            hits += 1
            return candle
        }
        misses += 1
        return nil
    }

    /// The newest `limit` candles in `[from, to)` if the cache provably holds all of them, else nil (a miss).
    func recent(_ key: Key, from: Date?, to: Date?, limit: Int) -> [Candle]? {
        guard let cached = series[key], let oldest = cached.first else {
            misses += 1
            return nil
        }
        let inRange = cached.filter { candle in
            (from.map { candle.openTime >= $0 } ?? true) && (to.map { candle.openTime < $0 } ?? true)
        }
        // Older candles than the cache's first may exist in the store, unless the result is already full
        // or the range starts inside the cache.
        let complete = inRange.count >= limit || (from.map { $0 >= oldest.openTime } ?? false)
        guard complete else {
            misses += 1
            return nil
        }
        hits += 1
        return Array(inRange.suffix(limit))
    }

    func info() -> [(key: Key, count: Int, newest: Date?)] {
        series.map { ($0.key, $0.value.count, $0.value.last?.openTime) }.sorted {
            ($0.key.symbol, $0.key.interval.rawValue) < ($1.key.symbol, $1.key.interval.rawValue)
        }
    }
}
