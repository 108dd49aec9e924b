import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonStrategies

/// What the engine knows of one symbol's recent market: the last bar, its close (the mark) and the ATR that
/// sizes stops, fed bar by bar and rebuilt from the candle store at start.
struct MarketWindow: Sendable {
    private(set) var lastBar: Candle?
    private(set) var atr: Double?
    private var indicator: ATR

    init(atrPeriod: Int) throws(IndicatorError) {
        indicator = try ATR(period: atrPeriod)
    }

    var mark: Decimal? { lastBar?.close }

    /// Adds a bar newer than the last; older or repeated bars are ignored (false).
    mutating func append(_ candle: Candle) -> Bool {
        if let lastBar, candle.openTime <= lastBar.openTime { return false }
        lastBar = candle
        if let value = indicator.update(candle.ohlcv) { atr = value }
        return true
    }
}
