import KeelsonDomain
import KeelsonIndicators
import KeelsonStrategies
import Testing

@Suite("Indicators shared across a search's combinations")
struct SharedIndicatorsTests {
    @Test("a grid of sma_crossover pairs over shared columns: each SMA(n) computed once per window, the same signals as computing their own")
    func sameSignalsEachAverageOnce() throws {
        let candles = try ReferenceData.googCandles()
        let bars = candles.map(\.ohlcv)
        let shared = SharedIndicators(bars: bars)
        let pairs = [(5, 20), (5, 30), (10, 20), (10, 30), (15, 30)]
        for start in [0, 100] {
            for (fast, slow) in pairs {
                let parameters = ["fast": Double(fast), "slow": Double(slow)]
                var own = try StrategyCatalog.make("sma_crossover", parameters: parameters)
                var reading = try StrategyCatalog.make("sma_crossover", parameters: parameters, shared: shared, from: start)
                for index in start..<candles.count {
                    let expected = own.evaluate(candles[index], bar: bars[index])
                    #expect(reading.evaluate(candles[index], bar: bars[index]) == expected, "(\(fast), \(slow)) from \(start) at bar \(index)")
                }
            }
        }
        // 5, 10, 15, 20 and 30, once for each of the two windows.
        #expect(shared.computedColumns == 10)
    }

    @Test("beyond its memory budget the least recently used column is dropped and computed again when asked for")
    func budgetDropsTheLeastRecentlyUsed() throws {
        let bars = try ReferenceData.googCandles().map(\.ohlcv)
        let shared = SharedIndicators(bars: bars, memoryBudget: 0)  // four columns at least
        for period in [2, 3, 4, 5] { _ = shared.sma(period: period, from: 0) }
        _ = shared.sma(period: 2, from: 0)
        #expect(shared.computedColumns == 4)
        _ = shared.sma(period: 6, from: 0)  // drops SMA(3), the least recently used
        _ = shared.sma(period: 2, from: 0)
        #expect(shared.computedColumns == 5)
        _ = shared.sma(period: 3, from: 0)
        #expect(shared.computedColumns == 6)
        var average = try SMA(period: 4)
        #expect(shared.sma(period: 4, from: 0).map { $0.isNaN ? nil : $0 } == bars.map { average.update($0) })
    }
}
