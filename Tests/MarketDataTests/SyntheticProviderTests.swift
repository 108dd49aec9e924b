import Foundation
import KeelsonDomain
import KeelsonMarketData
import KeelsonStrategies
import Testing

@Suite("Synthetic and replay providers")
struct ProviderTests {
    let btc = try! Symbol(parsing: "BTCUSDT")
    let start = try! Date("2024-03-01T00:00:00Z", strategy: .iso8601)

    @Test("the same seed gives the same series, whatever range is asked for")
    func deterministic() async throws {
        let provider = SyntheticProvider(seed: 7)
        let whole = try await provider.candles(symbol: btc, interval: .oneMinute, from: start, to: start.addingTimeInterval(3 * 86_400))
        #expect(whole.count == 3 * 1_440)
        let again = try await SyntheticProvider(seed: 7).candles(
            symbol: btc, interval: .oneMinute, from: start, to: start.addingTimeInterval(3 * 86_400))
        #expect(whole == again)
        // A slice asked for on its own equals the same slice of the whole.
        let slice = try await provider.candles(
            symbol: btc, interval: .oneMinute, from: start.addingTimeInterval(86_400 + 600), to: start.addingTimeInterval(2 * 86_400))
        #expect(slice == Array(whole[(1_440 + 10)..<(2 * 1_440)]))
        let other = try await SyntheticProvider(seed: 8).candles(symbol: btc, interval: .oneMinute, from: start, to: start.addingTimeInterval(3_600))
        #expect(other != Array(whole.prefix(60)))
    }

    @Test("bars are consistent, contiguous and realistic: clustered volatility, no gaps, calibrated levels")
    func realistic() async throws {
        let candles = try await SyntheticProvider(seed: 42).candles(
            symbol: btc, interval: .oneMinute, from: start, to: start.addingTimeInterval(5 * 86_400))
        for (previous, candle) in zip(candles, candles.dropFirst()) {
            #expect(candle.openTime == previous.openTime.addingTimeInterval(60))
        }
        #expect(candles.allSatisfy { (try? $0.validated()) != nil })
        let closes: [Double] = candles.map { $0.close.doubleValue }
        let returns: [Double] = zip(closes, closes.dropFirst()).map { (previous: Double, next: Double) -> Double in log(next / previous) }
        // Volatility clustering: absolute returns are positively autocorrelated.
        let absolute: [Double] = returns.map { abs($0) }
        let mean: Double = absolute.reduce(0, +) / Double(absolute.count)
        var covariance = 0.0
        for (a, b) in zip(absolute, absolute.dropFirst()) { covariance += (a - mean) * (b - mean) }
        #expect(covariance > 0)
        // Crypto trades every minute of every day: each bar opens at the previous close, across midnight too.
        #expect(zip(candles, candles.dropFirst()).allSatisfy { $1.open == $0.close })
        // BTCUSDT is calibrated: tens of thousands, 1-minute returns of about 50 % a year annualised.
        #expect(candles.allSatisfy { $0.low > 40_000 && $0.high < 90_000 })
        let deviation = (returns.reduce(0) { $0 + $1 * $1 } / Double(returns.count)).squareRoot() * (365.0 * 1_440).squareRoot()
        #expect(deviation > 0.35 && deviation < 0.75, "annualised volatility \(deviation)")
    }

    @Test("longer intervals are whole aggregates of minutes")
    func aggregation() async throws {
        let provider = SyntheticProvider(seed: 1)
        let minutes = try await provider.candles(symbol: btc, interval: .oneMinute, from: start, to: start.addingTimeInterval(3_600))
        let hours = try await provider.candles(symbol: btc, interval: .oneHour, from: start, to: start.addingTimeInterval(3_600))
        #expect(hours.count == 1)
        #expect(hours[0].open == minutes[0].open)
        #expect(hours[0].close == minutes[59].close)
        #expect(hours[0].high == minutes.map(\.high).max())
        #expect(hours[0].volume == minutes.reduce(0) { $0 + $1.volume })
    }

    @Test("replay resumes after a given time and refuses unknown symbols with the list")
    func replay() async throws {
        let candles = try await SyntheticProvider(seed: 3).candles(symbol: btc, interval: .oneMinute, from: start, to: start.addingTimeInterval(600))
        let replay = ReplayProvider(series: [btc: candles], speed: .asFastAsPossible)
        var seen: [Candle] = []
        for try await candle in replay.liveCandles(symbol: btc, interval: .oneMinute, after: candles[3].openTime) { seen.append(candle) }
        #expect(seen == Array(candles[4...]))
        await #expect {
            for try await _ in replay.liveCandles(symbol: try Symbol(parsing: "ETHUSDT"), interval: .oneMinute, after: nil) {}
        } throws: { error in
            "\(error)" == "replay has no data for ETHUSDT; available: BTCUSDT"
        }
        #expect(try ReplayProvider.Speed(parsing: "60x") == .multiple(60))
        #expect(try ReplayProvider.Speed(parsing: "max") == .asFastAsPossible)
        #expect(throws: DomainError.self) { try ReplayProvider.Speed(parsing: "-3x") }
    }
}
