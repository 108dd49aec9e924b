import KeelsonIndicators
import Testing

@Suite("Stochastic")
struct StochasticTests {
    static let parameterSets = [(14, 3, 3), (5, 1, 1), (1, 1, 1), (20, 5, 7), (3, 10, 2)]

    private func expectMatchesNaive(_ bars: [OHLCV], _ kPeriod: Int, _ kSmoothing: Int, _ dPeriod: Int) throws {
        let stochastic = try Stochastic(kPeriod: kPeriod, kSmoothing: kSmoothing, dPeriod: dPeriod)
        #expect(stochastic.firstValidIndex == kPeriod - 1 + kSmoothing - 1 + dPeriod - 1)
        let values = stochastic.series(bars)
        let reference = Naive.stochastic(bars, kPeriod: kPeriod, kSmoothing: kSmoothing, dPeriod: dPeriod)
        let label = "Stochastic(\(kPeriod),\(kSmoothing),\(dPeriod))"
        expectColumn(values.map { $0?.k }, matches: reference.map { $0?.k }, "\(label) %K", firstValidIndex: stochastic.firstValidIndex)
        expectColumn(values.map { $0?.d }, matches: reference.map { $0?.d }, "\(label) %D", firstValidIndex: stochastic.firstValidIndex)
    }

    @Test(arguments: parameterSets)
    func matchesWindowRecomputationOnGOOG(kPeriod: Int, kSmoothing: Int, dPeriod: Int) throws {
        try expectMatchesNaive(try ReferenceData.googBars(), kPeriod, kSmoothing, dPeriod)
    }

    /// Flat runs, jumps and new extremes leaving the window exercise the deques where GOOG does not.
    @Test(arguments: parameterSets)
    func matchesWindowRecomputationOnSyntheticBars(kPeriod: Int, kSmoothing: Int, dPeriod: Int) throws {
        try expectMatchesNaive(SyntheticBars.make(count: 2_000, seed: 42), kPeriod, kSmoothing, dPeriod)
    }

    /// Worked by hand, kPeriod 2, smoothing 2, %D 2: raw %K = 75, 20, 50, 100 on bars 1…4
    /// (e.g. bar 1: highest 12, lowest 8, close 11 → 100·3/4); %K = 47.5, 35, 75; %D = 41.25, 55.
    @Test func handWorkedExample() throws {
        let bars = [
            OHLCV(open: 9, high: 10, low: 8, close: 9, volume: 1),
            OHLCV(open: 9, high: 12, low: 9, close: 11, volume: 1),
            OHLCV(open: 11, high: 11, low: 7, close: 8, volume: 1),
            OHLCV(open: 8, high: 9, low: 7, close: 9, volume: 1),
            OHLCV(open: 10, high: 10, low: 10, close: 10, volume: 1),
        ]
        let values = try Stochastic(kPeriod: 2, kSmoothing: 2, dPeriod: 2).series(bars)
        #expect(values[0...2].allSatisfy { $0 == nil })
        let fourth = try #require(values[3]), fifth = try #require(values[4])
        #expect(isClose(fourth.k, 35, tolerance: 1e-12) && isClose(fourth.d, 41.25, tolerance: 1e-12))
        #expect(isClose(fifth.k, 75, tolerance: 1e-12) && isClose(fifth.d, 55, tolerance: 1e-12))
    }

    @Test func flatRangeReadsZero() throws {
        let flat = Array(repeating: OHLCV(open: 50, high: 50, low: 50, close: 50, volume: 10), count: 30)
        let values = try Stochastic(kPeriod: 14, kSmoothing: 3, dPeriod: 3).series(flat).compactMap { $0 }
        #expect(values.count == 30 - 17, "first value at 13 + 2 + 2")
        #expect(values.allSatisfy { $0 == StochasticValue(k: 0, d: 0) })
    }

    /// A close at the window's high reads 100, at its low reads 0, whatever the smoothing (all-equal inputs).
    @Test func closeAtTheExtremesReadsZeroAndHundred() throws {
        var rising: [OHLCV] = []
        for i in 0..<20 {
            let price = 100 + Double(i)
            rising.append(OHLCV(open: price - 0.5, high: price, low: price - 1, close: price, volume: 1))
        }
        let top = try Stochastic(kPeriod: 5, kSmoothing: 3, dPeriod: 3).series(rising).compactMap { $0 }
        #expect(!top.isEmpty && top.allSatisfy { isClose($0.k, 100) && isClose($0.d, 100) })
        let falling = rising.reversed().map { OHLCV(open: $0.open, high: $0.high, low: $0.low, close: $0.low, volume: 1) }
        let bottom = try Stochastic(kPeriod: 5, kSmoothing: 3, dPeriod: 3).series(falling).compactMap { $0 }
        #expect(!bottom.isEmpty && bottom.allSatisfy { isClose($0.k, 0) && isClose($0.d, 0) })
    }
}
