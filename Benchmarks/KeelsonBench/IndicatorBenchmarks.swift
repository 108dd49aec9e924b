import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonStrategies

/// Streaming indicator updates per second and strategy evaluation time per candle, on seeded random-walk bars.
enum IndicatorBenchmarks {
    static func bars(count: Int, seed: UInt64) -> [OHLCV] {
        var generator = SplitMix64(seed: seed)
        var price = 100.0
        return (0..<count).map { _ in
            let open = price
            price *= 1 + Double.random(in: -0.002...0.002, using: &generator)
            let high = max(open, price) * (1 + Double.random(in: 0...0.001, using: &generator))
            let low = min(open, price) * (1 - Double.random(in: 0...0.001, using: &generator))
            return OHLCV(open: open, high: high, low: low, close: price, volume: Double.random(in: 1...100, using: &generator))
        }
    }

    /// Best of `repeats` runs, so a busy moment on the machine does not decide the figure.
    static func measure(repeats: Int = 5, _ body: () -> Double) -> Duration {
        var best = Duration.seconds(1_000_000)
        var sink = 0.0
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            sink += body()
            best = min(best, ContinuousClock.now - start)
        }
        if sink.isNaN { print("") }
        return best
    }

    static func run(_ indicator: some StreamingIndicator, over bars: [OHLCV]) -> Double {
        var indicator = indicator
        var count = 0.0
        for bar in bars where indicator.update(bar) != nil { count += 1 }
        return count
    }

    static func report(name: String, bars: Int, duration: Duration) -> (String, Double) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return (name, Double(bars) / seconds)
    }

    static func runAll() throws -> [String] {
        let count = 2_000_000
        let data = bars(count: count, seed: 7)
        var lines = ["Streaming indicator updates (\(count) bars, best of 5):"]
        let sma = try SMA(period: 10), ema = try EMA(period: 10), rsi = try RSI(period: 14)
        let macd = try MACD(fast: 12, slow: 26, signal: 9), atr = try ATR(period: 14), bands = try BollingerBands(period: 20, k: 2)
        let stochastic = try Stochastic(kPeriod: 14, kSmoothing: 3, dPeriod: 3), vwap = try RollingVWAP(period: 20)
        let indicators: [(String, () -> Double)] = [
            ("SMA(10)", { run(sma, over: data) }),
            ("EMA(10)", { run(ema, over: data) }),
            ("RSI(14)", { run(rsi, over: data) }),
            ("MACD(12,26,9)", { run(macd, over: data) }),
            ("ATR(14)", { run(atr, over: data) }),
            ("Bollinger(20,2)", { run(bands, over: data) }),
            ("Stochastic(14,3,3)", { run(stochastic, over: data) }),
            ("RollingVWAP(20)", { run(vwap, over: data) }),
        ]
        for (name, body) in indicators {
            let (_, rate) = report(name: name, bars: count, duration: measure(body))
            lines.append(
                "  \(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%8.1f", rate / 1e6)) million updates/s  (\(String(format: "%.1f", 1e9 / rate)) ns each)"
            )
        }

        let candleCount = 1_000_000
        let symbol = try Symbol(parsing: "BENCH")
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let candles = data.prefix(candleCount).enumerated().map { index, bar in
            Candle(
                exchange: "bench", symbol: symbol, interval: .oneMinute, openTime: start.addingTimeInterval(Double(index) * 60),
                open: Decimal(bar.open), high: Decimal(bar.high), low: Decimal(bar.low), close: Decimal(bar.close), volume: Decimal(bar.volume))
        }
        let duration = measure {
            var strategies = StrategyCatalog.builtFromParameters.compactMap { try? $0.make([:]) }
            var signals = 0.0
            for candle in candles {
                let bar = candle.ohlcv
                for index in strategies.indices { signals += Double(strategies[index].evaluate(candle, bar: bar).count) }
            }
            return signals
        }
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        lines.append(
            "All four built-in strategies together, per candle, Decimal-to-Double conversion included (\(candleCount) 1-minute candles, best of 5): \(String(format: "%.0f", seconds / Double(candleCount) * 1e9)) ns"
        )
        return lines
    }
}
