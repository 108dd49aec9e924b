import KeelsonIndicators
import Testing

/// Feeding bar by bar and calling `series` must give identical outputs, with the warm-up ending exactly at
/// `firstValidIndex` and a value on every bar after it.
@Suite("Streaming and batch agree")
struct StreamingBatchTests {
    static let seriesUnderTest: [(name: String, bars: [OHLCV])] = {
        let goog = (try? ReferenceData.googBars()) ?? []
        return [("GOOG", goog), ("synthetic", SyntheticBars.make(count: 3_000, seed: 7))]
    }()

    private func check<Indicator: StreamingIndicator>(
        _ indicator: Indicator, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for (name, bars) in Self.seriesUnderTest {
            #expect(!bars.isEmpty, "\(name): no bars loaded", sourceLocation: sourceLocation)
            var streaming = indicator
            var streamed: [Indicator.Output?] = []
            for bar in bars { streamed.append(streaming.update(bar)) }
            let batch = indicator.series(bars)
            #expect(batch.count == bars.count, sourceLocation: sourceLocation)
            #expect(batch == streamed, "\(name): batch and streaming differ", sourceLocation: sourceLocation)
            // `series` works on a copy: calling it again, or after streaming, starts from the same fresh state.
            #expect(indicator.series(bars) == batch, sourceLocation: sourceLocation)
            let first = batch.firstIndex { $0 != nil }
            #expect(first == indicator.firstValidIndex, "\(name): first value at \(String(describing: first))", sourceLocation: sourceLocation)
            #expect(batch.dropFirst(indicator.firstValidIndex).allSatisfy { $0 != nil }, "\(name): gap after warm-up", sourceLocation: sourceLocation)
        }
    }

    @Test func sma() throws {
        check(try SMA(period: 10))
        check(try SMA(period: 1))
    }

    @Test func ema() throws {
        check(try EMA(period: 10))
        check(try EMA(period: 1))
    }

    @Test func rsi() throws {
        check(try RSI(period: 14))
        check(try RSI(period: 2))
    }

    @Test func macd() throws {
        check(try MACD(fast: 12, slow: 26, signal: 9))
        check(try MACD(fast: 1, slow: 2, signal: 1))
    }

    @Test func atr() throws {
        check(try ATR(period: 14))
        check(try ATR(period: 1))
    }

    @Test func bollinger() throws {
        check(try BollingerBands(period: 20, k: 2))
        check(try BollingerBands(period: 1, k: 0.1))
    }

    @Test func stochastic() throws {
        check(try Stochastic(kPeriod: 14, kSmoothing: 3, dPeriod: 3))
        check(try Stochastic(kPeriod: 1, kSmoothing: 1, dPeriod: 1))
    }

    @Test func rollingVWAP() throws {
        check(try RollingVWAP(period: 20))
        check(try RollingVWAP(period: 1))
    }

    /// Streaming really is incremental: an indicator that has already seen bars continues from its state
    /// rather than restarting, so the tail of a split stream equals the tail of the whole series.
    @Test func splitStreamContinuesWhereItLeftOff() throws {
        let bars = try ReferenceData.googBars()
        var macd = try MACD(fast: 12, slow: 26, signal: 9)
        for bar in bars.prefix(1_000) { _ = macd.update(bar) }
        let tail = bars.dropFirst(1_000).map { macd.update($0) }
        let whole = try MACD(fast: 12, slow: 26, signal: 9).series(bars)
        #expect(tail == Array(whole.dropFirst(1_000)))
    }
}
