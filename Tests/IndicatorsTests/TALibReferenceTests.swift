import KeelsonIndicators
import Testing

/// Every value against TA-Lib's output on GOOG.csv (goog_talib_indicators.csv).
@Suite("TA-Lib reference on GOOG")
struct TALibReferenceTests {
    let bars: [OHLCV]
    let talib: CSVTable

    init() throws {
        bars = try ReferenceData.googBars()
        talib = try ReferenceData.talibTable()
    }

    @Test func referenceFilesDescribeTheSameBars() throws {
        #expect(bars.count == 2148)
        #expect(talib.rows.count == bars.count)
        let goog = try ReferenceData.googTable()
        #expect(talib.textColumn(at: 0) == goog.textColumn(at: 0))
        #expect(try talib.requiredColumn("Close") == bars.map(\.close))
        #expect(try talib.requiredColumn("High") == bars.map(\.high))
        #expect(try talib.requiredColumn("Low") == bars.map(\.low))
    }

    @Test func sma10() throws {
        let sma = try SMA(period: 10)
        #expect(sma.firstValidIndex == 9)
        expectColumn(sma.series(bars), matches: try talib.column("SMA_10"), "SMA(10)", firstValidIndex: sma.firstValidIndex)
    }

    @Test func ema10() throws {
        let ema = try EMA(period: 10)
        #expect(ema.firstValidIndex == 9)
        expectColumn(ema.series(bars), matches: try talib.column("EMA_10"), "EMA(10)", firstValidIndex: ema.firstValidIndex)
    }

    @Test func rsi14() throws {
        let rsi = try RSI(period: 14)
        #expect(rsi.firstValidIndex == 14)
        let values = rsi.series(bars)
        expectColumn(values, matches: try talib.column("RSI_14"), "RSI(14)", firstValidIndex: rsi.firstValidIndex)
        #expect(values.compactMap { $0 }.allSatisfy { (0...100).contains($0) })
    }

    @Test func macd12_26_9() throws {
        let macd = try MACD(fast: 12, slow: 26, signal: 9)
        #expect(macd.firstValidIndex == 33)
        let values = macd.series(bars)
        let first = macd.firstValidIndex
        expectColumn(values.map { $0?.macd }, matches: try talib.column("MACD_12_26"), "MACD line", firstValidIndex: first)
        expectColumn(values.map { $0?.signal }, matches: try talib.column("MACD_signal_9"), "MACD signal", firstValidIndex: first)
        expectColumn(values.map { $0?.histogram }, matches: try talib.column("MACD_hist"), "MACD histogram", firstValidIndex: first)
    }

    /// Guards the alignment rule: a fast EMA started at bar 0 (the textbook way) gives a different line, so a
    /// MACD that merely subtracted two plain EMAs would fail here as well as above.
    @Test func macdIsNotTwoPlainEMAs() throws {
        let reference = try talib.column("MACD_12_26")
        let fast = try EMA(period: 12).series(bars), slow = try EMA(period: 26).series(bars)
        let naive = zip(fast, slow).map { pair -> Double? in
            guard let f = pair.0, let s = pair.1 else { return nil }
            return f - s
        }
        #expect(!isClose(naive[33]!, reference[33]!))
    }

    @Test func atr14() throws {
        let atr = try ATR(period: 14)
        #expect(atr.firstValidIndex == 14)
        expectColumn(atr.series(bars), matches: try talib.column("ATR_14"), "ATR(14)", firstValidIndex: atr.firstValidIndex)
    }

    @Test func bollinger20_2() throws {
        let bands = try BollingerBands(period: 20, k: 2)
        #expect(bands.firstValidIndex == 19)
        let values = bands.series(bars)
        let first = bands.firstValidIndex
        expectColumn(values.map { $0?.upper }, matches: try talib.column("BB_upper_20_2"), "BB upper", firstValidIndex: first)
        expectColumn(values.map { $0?.middle }, matches: try talib.column("BB_middle_20"), "BB middle", firstValidIndex: first)
        expectColumn(values.map { $0?.lower }, matches: try talib.column("BB_lower_20_2"), "BB lower", firstValidIndex: first)
    }

    /// The Bollinger middle band is TA-Lib's SMA(20); the SMA must agree with it, not just with SMA(10).
    @Test func bollingerMiddleIsTheSMA() throws {
        let sma = try SMA(period: 20).series(bars)
        let middle = try BollingerBands(period: 20, k: 2).series(bars).map { $0?.middle }
        #expect(sma == middle)
    }
}
