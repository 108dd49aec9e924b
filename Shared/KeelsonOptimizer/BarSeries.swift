import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonStrategies

/// A history loaded once and shared read-only by every worker of a search, in columns: each bar's prices as Doubles
/// (for indicators) and exactly (for fills and accounting) as integers at each column's scale — the binary cache's
/// own layout, so a cached file is used as it is read. A backtest turns a bar into an exact `Candle` in one scratch
/// value it overwrites (`BarSeries.Reader.load`), so no array of candles is ever made: 48 bytes a bar instead of 148.
public struct BarSeries: Sendable {
    public let exchange: String
    public let symbol: Symbol
    public let interval: CandleInterval
    public let bars: [OHLCV]
    private let storage: Storage

    enum Storage: Sendable {
        /// Open times in epoch milliseconds and the five price columns scaled to integers.
        case columns(CandleCache)
        /// Candles a cache cannot hold exactly (more than 18 digits at a column's scale, times finer than a millisecond).
        case candles([Candle])
    }

    /// The candles of one market, in columns when each value fits (every real market's does), else as they are.
    public init(candles: [Candle]) {
        let first = candles.first
        exchange = first?.exchange ?? "file"
        symbol = first?.symbol ?? Symbol(rawValue: "DATA")!
        interval = first?.interval ?? .oneMinute
        bars = candles.map(\.ohlcv)
        var columns = CandleColumnsBuilder(expectedRows: candles.count)
        for candle in candles { columns.append(candle) }
        storage = columns.finish(timeStyle: .epochMilliseconds).map(Storage.columns) ?? .candles(candles)
    }

    /// The bars of a binary cache (or of a CSV read into the same columns), each Double taken from the integer —
    /// the same as the decimal's `doubleValue`.
    public init(cache: CandleCache, exchange: String = "file", symbol: Symbol, interval: CandleInterval) {
        self.exchange = exchange
        self.symbol = symbol
        self.interval = interval
        storage = .columns(cache)
        // Every core converts its share of the bars.
        bars =
            ParallelFill.array(count: cache.count, parts: ProcessInfo.processInfo.activeProcessorCount) { range, first in
                var index = range.lowerBound
                cache.forEachDouble(in: range) { open, high, low, close, volume in
                    (first + index).initialize(to: OHLCV(open: open, high: high, low: low, close: close, volume: volume))
                    index += 1
                }
                return true
            }?.elements ?? []
    }

    public var count: Int { bars.count }
    public var start: Date? { count > 0 ? openTime(at: 0) : nil }
    /// The end of the last bar.
    public var end: Date? { count > 0 ? openTime(at: count - 1).addingTimeInterval(TimeInterval(interval.seconds)) : nil }

    public func openTime(at index: Int) -> Date {
        switch storage {
        case .columns(let cache): Date(timeIntervalSince1970: Double(cache.times[index]) / 1000)
        case .candles(let candles): candles[index].openTime
        }
    }

    /// Bar `index` as a candle.
    public func candle(at index: Int) -> Candle {
        withReader { reader in
            var candle = reader.template
            reader.load(index, into: &candle)
            return candle
        }
    }

    /// The candles of `range`.
    public func candles(_ range: Range<Int>) -> [Candle] { range.map(candle(at:)) }

    /// The bars that open inside `window`.
    public func indices(of window: Range<Date>) -> Range<Int> {
        firstIndex(notBefore: window.lowerBound)..<firstIndex(notBefore: window.upperBound)
    }

    private func firstIndex(notBefore time: Date) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if openTime(at: middle) < time { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Reads bars without copying the columns, for as long as `body` runs.
    public func withReader<Result>(_ body: (Reader) throws -> Result) rethrows -> Result {
        let template = Candle(
            exchange: exchange, symbol: symbol, interval: interval, openTime: Date(timeIntervalSince1970: 0), open: 0, high: 0, low: 0, close: 0,
            volume: 0)
        return try bars.withUnsafeBufferPointer { bars in
            switch storage {
            case .columns(let cache):
                return try cache.withColumns { columns in try body(Reader(template: template, bars: bars, exact: .columns(columns))) }
            case .candles(let candles):
                return try candles.withUnsafeBufferPointer { candles in try body(Reader(template: template, bars: bars, exact: .candles(candles))) }
            }
        }
    }

    /// The series' bars while `withReader` runs.
    public struct Reader {
        enum Exact {
            case columns(CandleCache.Columns)
            case candles(UnsafeBufferPointer<Candle>)
        }

        /// A candle of the series' market, to `load` bars into.
        public let template: Candle
        public let bars: UnsafeBufferPointer<OHLCV>
        let exact: Exact

        /// Overwrites `candle` with bar `index`, its market (the template's) kept.
        @inline(__always)
        public func load(_ index: Int, into candle: inout Candle) {
            switch exact {
            case .columns(let columns): columns.load(index, into: &candle)
            case .candles(let candles): candle = candles[index]
            }
        }
    }
}
