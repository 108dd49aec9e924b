import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonStrategies

/// A history loaded once and shared read-only by every worker of a search: each bar exact (for fills and
/// accounting) and as Doubles (for indicators), converted once rather than once per combination.
public struct BarSeries: Sendable {
    public let candles: [Candle]
    public let bars: [OHLCV]

    public init(candles: [Candle]) {
        self.candles = candles
        bars = candles.map(\.ohlcv)
    }

    /// The bars of a binary cache, each Double taken from the cached integer (the same as the decimal's). The
    /// candles are made once here rather than per bar of every backtest: a search reads each bar hundreds of times.
    public init(cache: CandleCache, symbol: Symbol, interval: CandleInterval) {
        candles = cache.candles(0..<cache.count, exchange: "file", symbol: symbol, interval: interval)
        bars = [OHLCV](unsafeUninitializedCapacity: cache.count) { buffer, initialized in
            var index = 0
            cache.forEachDouble { open, high, low, close, volume in
                (buffer.baseAddress! + index).initialize(to: OHLCV(open: open, high: high, low: low, close: close, volume: volume))
                index += 1
            }
            initialized = index
        }
    }

    public var count: Int { candles.count }
    public var start: Date? { candles.first?.openTime }
    /// The end of the last bar.
    public var end: Date? { candles.last?.closeTime }

    /// The bars that open inside `window`.
    public func indices(of window: Range<Date>) -> Range<Int> {
        firstIndex(notBefore: window.lowerBound)..<firstIndex(notBefore: window.upperBound)
    }

    private func firstIndex(notBefore time: Date) -> Int {
        var low = 0
        var high = candles.count
        while low < high {
            let middle = (low + high) / 2
            if candles[middle].openTime < time { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
