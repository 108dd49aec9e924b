import KeelsonIndicators
import Testing

/// Behaviour at the corners, pinned to what TA-Lib does there.
@Suite("Edge cases")
struct EdgeCaseTests {
    private func bars(closes: [Double]) -> [OHLCV] {
        closes.map { OHLCV(open: $0, high: $0 + 1, low: $0 - 1, close: $0, volume: 100) }
    }

    /// TA-Lib reads an unmoving market as RSI 0 (it does not divide 0 by 0); a steady rise is 100.
    @Test func rsiOfFlatAndRisingMarkets() throws {
        let flat = try RSI(period: 14).series(bars(closes: Array(repeating: 42, count: 30)))
        #expect(flat.compactMap { $0 } == Array(repeating: 0, count: 16))
        let rising = try RSI(period: 14).series(bars(closes: (0..<30).map { 100 + Double($0) }))
        #expect(rising.compactMap { $0 } == Array(repeating: 100, count: 16))
    }

    /// RSI by hand, period 2: changes +2, −1 → averages 1 and 0.5 → 66.67; then +3 → gain (1+3)/2 = 2,
    /// loss 0.5/2 = 0.25 → 100·2/2.25.
    @Test func rsiHandWorked() throws {
        let values = try RSI(period: 2).series(bars(closes: [10, 12, 11, 14]))
        #expect(values[0] == nil && values[1] == nil)
        #expect(isClose(try #require(values[2]), 200.0 / 3, tolerance: 1e-12))
        #expect(isClose(try #require(values[3]), 200.0 / 2.25, tolerance: 1e-12))
    }

    /// EMA by hand, period 3 (α = 0.5): seed (1+2+3)/3 = 2, then 2 + (6−2)/2 = 4, then 4 + (0−4)/2 = 2.
    @Test func emaHandWorked() throws {
        #expect(try EMA(period: 3).series(bars(closes: [1, 2, 3, 6, 0])) == [nil, nil, 2, 4, 2])
    }

    /// A flat window has no width; the sum-of-squares rounding must not show up as a band.
    @Test func bollingerOfAFlatWindowHasNoWidth() throws {
        let values = try BollingerBands(period: 20, k: 2).series(bars(closes: Array(repeating: 123.45, count: 40)))
        for value in values.compactMap({ $0 }) {
            #expect(value.upper == value.middle && value.lower == value.middle)
            #expect(isClose(value.middle, 123.45))
        }
    }

    /// Population deviation by hand: closes 2, 4, 4, 4, 5, 5, 7, 9 have mean 5 and σ = 2 (ddof 0).
    @Test func bollingerUsesPopulationDeviation() throws {
        let value = try #require(try BollingerBands(period: 8, k: 1.5).series(bars(closes: [2, 4, 4, 4, 5, 5, 7, 9])).last!)
        #expect(isClose(value.middle, 5, tolerance: 1e-12))
        #expect(isClose(value.upper, 8, tolerance: 1e-12))
        #expect(isClose(value.lower, 2, tolerance: 1e-12))
    }

    /// ATR by hand, period 2. True ranges: bar 1 max(3, |10−12|, |10−9|) = 3 (high 12, low 9, prev close 10);
    /// bar 2 gaps up: high 20, low 18, prev close 11 → 9. Seed (3+9)/2 = 6 on bar 2; bar 3 range 2 → (6+2)/2 = 4.
    @Test func atrHandWorked() throws {
        let series = [
            OHLCV(open: 10, high: 11, low: 9, close: 10, volume: 1),
            OHLCV(open: 10, high: 12, low: 9, close: 11, volume: 1),
            OHLCV(open: 19, high: 20, low: 18, close: 19, volume: 1),
            OHLCV(open: 19, high: 20, low: 18, close: 19, volume: 1),
        ]
        #expect(try ATR(period: 2).series(series) == [nil, nil, 6, 4])
        // Period 1 is the plain true range, starting on bar 1 (bar 0 has no previous close).
        #expect(try ATR(period: 1).series(series) == [nil, 3, 9, 2])
    }

    /// SMA(1) is the close itself (running sum goes back to 0 each bar), SMA by hand otherwise.
    @Test func smaHandWorked() throws {
        let closes: [Double] = [3, 5, 10, 2]
        #expect(try SMA(period: 1).series(bars(closes: closes)) == closes.map { $0 })
        #expect(try SMA(period: 2).series(bars(closes: closes)) == [nil, 4, 7.5, 6])
    }

    @Test func noBarsGiveNoValues() throws {
        #expect(try MACD(fast: 12, slow: 26, signal: 9).series([]).isEmpty)
    }
}
