import Foundation
import KeelsonDomain
import Synchronization

/// One bar as the fake serves it, in Binance's units (times in ms). `isClosed` is false for the bar forming now.
struct FakeBar: Sendable, Equatable {
    var openTime: Int64
    var closeTime: Int64
    var open, high, low, close, volume, quoteVolume, takerBuyBaseVolume, takerBuyQuoteVolume: Decimal
    var trades: Int64
    var firstTradeId: Int64
    var lastTradeId: Int64
    var isClosed: Bool
}

/// A symbol's deterministic 1-minute price series: a seeded random walk from the symbol's start price, prices
/// on its tick grid and volumes on its step grid. Minutes are generated in order from `firstMinute` and kept,
/// so any range is the same on every call; longer bars are built from the minutes, and the bar forming at
/// `now` is the current minute's bar interpolated to how far the minute has run.
final class FakePriceSeries: Sendable {
    struct Minute: Sendable {
        var open, high, low, close, volume: Decimal
        var trades: Int64
    }

    struct Walk: Sendable {
        var generator: SplitMix64
        var price: Double
        var minutes: [Minute] = []
    }

    let symbol: FakeSymbol
    /// UNIX minute of the first bar; nothing is served before it.
    let firstMinute: Int64
    private let walk: Mutex<Walk>

    init(symbol: FakeSymbol, seed: UInt64, firstMinute: Int64) {
        self.symbol = symbol
        self.firstMinute = firstMinute
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in symbol.symbol.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        walk = Mutex(Walk(generator: SplitMix64(seed: seed ^ hash), price: symbol.startPrice.doubleValue))
    }

    private func minutes(_ range: Range<Int64>) -> [Minute] {
        let lower = max(range.lowerBound, firstMinute)
        guard range.upperBound > lower else { return [] }
        return walk.withLock { walk in
            while Int64(walk.minutes.count) < range.upperBound - firstMinute {
                walk.minutes.append(Self.nextMinute(&walk, symbol: symbol))
            }
            return Array(walk.minutes[Int(lower - firstMinute)..<Int(range.upperBound - firstMinute)])
        }
    }

    private static func nextMinute(_ walk: inout Walk, symbol: FakeSymbol) -> Minute {
        let open = walk.price
        let close = open * exp(0.0008 * walk.generator.nextGaussian())
        let high = max(open, close) * exp(abs(walk.generator.nextGaussian()) * 0.0003)
        let low = min(open, close) * exp(-abs(walk.generator.nextGaussian()) * 0.0003)
        let volume = 5 * exp(0.5 * walk.generator.nextGaussian())
        walk.price = close
        let tick = symbol.tickSize.doubleValue, step = symbol.stepSize.doubleValue
        func onGrid(_ value: Double, _ unit: Double, _ decimal: Decimal) -> Decimal { Decimal(max(Int64((value / unit).rounded()), 1)) * decimal }
        return Minute(
            open: onGrid(open, tick, symbol.tickSize), high: onGrid(high, tick, symbol.tickSize), low: onGrid(low, tick, symbol.tickSize),
            close: onGrid(close, tick, symbol.tickSize), volume: onGrid(volume, step, symbol.stepSize), trades: Int64(volume * 20) + 1
        )
    }

    /// The price a market order trades at `now`: the forming bar's close.
    func price(at now: Date) -> Decimal? {
        bar(openTime: Self.alignedOpen(now.epochMilliseconds / 1000, length: 60), length: 60, now: now)?.close
    }

    /// Bars of `length` seconds with open time in `[from, to]` (ms), up to `now`, oldest first.
    func bars(length: Int64, from: Int64, to: Int64, now: Date) -> [FakeBar] {
        var result: [FakeBar] = []
        var open = Self.alignedOpen(max(from, firstMinute * 60_000) / 1000, length: length)
        if open * 1000 < from { open = Self.alignedOpen(open + length, length: length) }
        let last = min(to, now.epochMilliseconds)
        while open * 1000 <= last {
            if let bar = bar(openTime: open, length: length, now: now) { result.append(bar) }
            open = Self.alignedOpen(open + length, length: length)
        }
        return result
    }

    /// The bar opening at `openTime` (UNIX seconds) as it stands at `now`; nil before the series or in the future.
    func bar(openTime: Int64, length: Int64, now: Date) -> FakeBar? {
        let nowMillis = now.epochMilliseconds
        let currentMinute = Int64((Double(nowMillis) / 60_000).rounded(.down))
        let firstBarMinute = openTime / 60
        let endMinute = min((openTime + length) / 60, currentMinute + 1)
        let parts = minutes(firstBarMinute..<endMinute)
        guard let first = parts.first else { return nil }
        let startMinute = max(firstBarMinute, firstMinute)
        var formingParts = parts
        if endMinute == currentMinute + 1 {
            // The current minute has run only this fraction: interpolate its bar.
            let fraction = Decimal(nowMillis - currentMinute * 60_000) / 60_000
            formingParts[formingParts.count - 1] = Self.partial(parts[parts.count - 1], fraction: fraction, symbol: symbol)
        }
        let trades = formingParts.reduce(Int64(0)) { $0 + $1.trades }
        let firstTradeId = (startMinute - firstMinute) * 1_000 + 1
        let close = formingParts[formingParts.count - 1].close
        let volume = formingParts.reduce(Decimal(0)) { $0 + $1.volume }
        let takerBase = (volume / 2).onGrid(symbol.stepSize)
        return FakeBar(
            openTime: openTime * 1000, closeTime: (openTime + length) * 1000 - 1,
            open: first.open, high: formingParts.map(\.high).max() ?? first.high, low: formingParts.map(\.low).min() ?? first.low,
            close: close, volume: volume, quoteVolume: (volume * close).onGrid(Decimal(string: "0.00000001")!),
            takerBuyBaseVolume: takerBase, takerBuyQuoteVolume: (takerBase * close).onGrid(Decimal(string: "0.00000001")!),
            trades: trades, firstTradeId: firstTradeId, lastTradeId: firstTradeId + trades - 1,
            isClosed: (openTime + length) * 1000 <= nowMillis
        )
    }

    private static func partial(_ minute: Minute, fraction: Decimal, symbol: FakeSymbol) -> Minute {
        let close = (minute.open + (minute.close - minute.open) * fraction).onGrid(symbol.tickSize)
        return Minute(
            open: minute.open, high: max(minute.open, close), low: min(minute.open, close), close: close,
            volume: (minute.volume * fraction).onGrid(symbol.stepSize), trades: max(1, Int64((Decimal(minute.trades) * fraction).doubleValue))
        )
    }

    /// The open of the bar of `length` seconds containing `seconds`. Weeks open on Monday 00:00 UTC as on
    /// Binance (1970-01-01 was a Thursday, four days before a Monday).
    static func alignedOpen(_ seconds: Int64, length: Int64) -> Int64 {
        let offset: Int64 = length == 604_800 ? 345_600 : 0
        let shifted = seconds - offset
        let floored = shifted >= 0 ? shifted / length : (shifted - length + 1) / length
        return floored * length + offset
    }
}

extension Decimal {
    /// Rounded to the nearest whole number of `unit`s.
    func onGrid(_ unit: Decimal) -> Decimal {
        rounded(toMultipleOf: unit, .plain)
    }

    /// Rounded down to a whole number of `unit`s.
    func roundedDown(to unit: Decimal) -> Decimal {
        rounded(toMultipleOf: unit, .down)
    }

    func rounded(toMultipleOf unit: Decimal, _ mode: Decimal.RoundingMode) -> Decimal {
        guard unit > 0 else { return self }
        var steps = self / unit
        var whole = Decimal()
        NSDecimalRound(&whole, &steps, 0, mode)
        return whole * unit
    }
}
