import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonModels
import KeelsonOptimizer

/// The bars a model trains or is evaluated on, read through the backtester's history options (a CSV file, its
/// binary cache, or a range of the candle store), whole: training needs every row at once.
enum ModelHistory {
    static func bars(_ history: HistoryOptions, database: DatabaseOptions) async throws -> (bars: [TimedBar], interval: CandleInterval) {
        var source = try await history.openSource(database: database)
        var bars: [TimedBar] = []
        var interval = CandleInterval.oneMinute
        try await source.feed { candles, _ in
            if let first = candles.first { interval = first.interval }
            bars.reserveCapacity(bars.count + candles.count)
            for candle in candles {
                bars.append(
                    TimedBar(
                        openTime: candle.openTime,
                        ohlcv: OHLCV(
                            open: candle.open.doubleValue, high: candle.high.doubleValue, low: candle.low.doubleValue,
                            close: candle.close.doubleValue, volume: candle.volume.doubleValue)))
            }
        }
        return (bars, interval)
    }

    /// The walk-forward plan's windows over the bars (the last window ends where the last bar closes).
    static func windows(_ plan: WalkForwardPlan, bars: [TimedBar], interval: CandleInterval) -> [WalkForwardWindow] {
        guard let first = bars.first, let last = bars.last else { return [] }
        return plan.modelWindows(start: first.openTime, end: last.openTime.addingTimeInterval(TimeInterval(interval.seconds)))
    }
}
