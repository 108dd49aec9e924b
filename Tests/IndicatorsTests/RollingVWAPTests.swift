import KeelsonIndicators
import Testing

@Suite("Rolling VWAP")
struct RollingVWAPTests {
    @Test(arguments: [1, 2, 20, 100])
    func matchesWindowRecomputation(period: Int) throws {
        let vwap = try RollingVWAP(period: period)
        #expect(vwap.firstValidIndex == period - 1)
        for bars in [try ReferenceData.googBars(), SyntheticBars.make(count: 3_000, seed: 11)] {
            expectColumn(
                vwap.series(bars), matches: Naive.rollingVWAP(bars, period: period), "VWAP(\(period))",
                firstValidIndex: vwap.firstValidIndex
            )
        }
    }

    /// Typical prices 10, 12, 3, 6, 9 with volumes 100, 300, 0, 0, 0 over a window of 2:
    /// (10·100 + 12·300)/400 = 11.5, then 12·300/300 = 12, then no volume: mean typical (3+6)/2, (6+9)/2.
    @Test func handWorkedExampleWithZeroVolume() throws {
        let bars = [
            OHLCV(open: 10, high: 11, low: 9, close: 10, volume: 100),
            OHLCV(open: 12, high: 14, low: 10, close: 12, volume: 300),
            OHLCV(open: 3, high: 3, low: 3, close: 3, volume: 0),
            OHLCV(open: 6, high: 6, low: 6, close: 6, volume: 0),
            OHLCV(open: 9, high: 9, low: 9, close: 9, volume: 0),
        ]
        let values = try RollingVWAP(period: 2).series(bars)
        #expect(values == [nil, 11.5, 12, 4.5, 7.5])
    }

    /// Fractional volumes that a subtracting running sum would not cancel exactly (0.1 + 0.2 − 0.1 − 0.2 ≠ 0):
    /// once only zero-volume bars are left, the value must be the plain mean, not residue divided by residue.
    @Test func zeroVolumeWindowAfterFractionalVolumes() throws {
        var bars = [0.1, 0.2, 0.7].map { OHLCV(open: 50, high: 51, low: 49, close: 50, volume: $0) }
        bars += [
            OHLCV(open: 1, high: 1, low: 1, close: 1, volume: 0),
            OHLCV(open: 2, high: 2, low: 2, close: 2, volume: 0),
            OHLCV(open: 6, high: 6, low: 6, close: 6, volume: 0),
        ]
        let values = try RollingVWAP(period: 3).series(bars)
        #expect(values.last == 3)
    }

    /// A huge-volume bar leaving the window must leave no rounding residue behind: afterwards the small bars
    /// alone decide the price, exactly as recomputing the window does.
    @Test func hugeVolumeLeavingTheWindow() throws {
        var bars = [OHLCV(open: 100, high: 100, low: 100, close: 100, volume: 1e15)]
        for i in 1...10 {
            let price = 20 + Double(i)
            bars.append(OHLCV(open: price, high: price, low: price, close: price, volume: 1 + Double(i % 3)))
        }
        let values = try RollingVWAP(period: 3).series(bars)
        let reference = Naive.rollingVWAP(bars, period: 3)
        for i in 3..<bars.count {
            #expect(isClose(values[i]!, reference[i]!, tolerance: 1e-12), "bar \(i): \(values[i]!) vs \(reference[i]!)")
        }
    }

    @Test func periodOneIsTheTypicalPrice() throws {
        let bar = OHLCV(open: 1, high: 12, low: 6, close: 9, volume: 5)
        #expect(try RollingVWAP(period: 1).series([bar, bar]) == [9, 9])
    }
}
