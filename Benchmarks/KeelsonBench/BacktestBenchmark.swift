import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonMarketData
import KeelsonStrategies

/// `sma_crossover(10, 30)` through the backtester (risk sizing, the standard execution model) over seeded synthetic
/// one-minute bars: bars per second, median of 5 runs, with the time to make the data reported apart.
enum BacktestBenchmark {
    static let bars = 1_000_000

    static func run() async throws -> [String] {
        let symbol = Symbol(rawValue: "BTCUSDT")!
        let start = SyntheticBars.epoch
        let generated = ContinuousClock.now
        let candles = try await SyntheticProvider(seed: 3).candles(symbol: symbol, interval: .oneMinute, from: start, to: start.addingTimeInterval(TimeInterval(bars * 60)))
        let loading = ContinuousClock.now - generated
        var times: [Duration] = []
        var trades = 0
        for _ in 0..<5 {
            let began = ContinuousClock.now
            let result = Backtester.run(
                strategy: try SMACrossover.make(["fast": 10, "slow": 30]), candles: candles,
                configuration: BacktestConfiguration(initialCash: 10_000, sizing: .risk(.conservative(maxCapital: 10_000)), execution: .standard, rules: .defaultSpot)
            )
            times.append(ContinuousClock.now - began)
            trades = result.trades.count
        }
        let median = BackfillBenchmark.seconds(times.sorted()[2])
        return [
            "Backtest of sma_crossover(10, 30), risk sizing and the standard execution model, \(candles.count) synthetic 1-minute bars (\(trades) trades):",
            String(format: "  %.0f thousand bars/s (median of 5: %.2f s); making the data took %.1f s", Double(candles.count) / median / 1000, median, BackfillBenchmark.seconds(loading)),
            "  peak resident memory of the bench process so far: \(BackfillBenchmark.peakResidentBytes() / 1_000_000) MB",
        ]
    }
}
