import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonMarketData
import KeelsonStrategies
import KeelsonTestSupport
import KeelsonTrading
import Testing

@Suite("Backtests streamed bar by bar in constant memory")
struct StreamingBacktestTests {
    static let configuration = BacktestConfiguration(
        initialCash: 1_000_000, sizing: .allIn, execution: BacktestConfiguration.frictionless, rules: BacktestConfiguration.wholeUnits
    )

    static func minuteBars(_ count: Int) -> [Candle] {
        SyntheticBars(seed: 11).minuteBars(
            symbol: Symbol(rawValue: "BTCUSDT")!, from: SyntheticBars.epoch, to: SyntheticBars.epoch.addingTimeInterval(TimeInterval(count * 60)))
    }

    @Test("the statistics kept on the fly equal the same formulas over every bar's equity")
    func onlineStatisticsMatchTheFullCurve() throws {
        let candles = Self.minuteBars(20_000)
        var equity: [(time: Date, value: Double)] = []
        var run = BacktestRun(strategy: try SMACrossover.make(["fast": 10, "slow": 30]), configuration: Self.configuration) {
            equity.append(($0, $1))
        }
        for candle in candles { run.process(candle, candle.ohlcv) }
        let result = run.finish()
        #expect(result.trades.count > 50)
        #expect(equity.count == candles.count)

        var closes: [Double] = []
        var day = Int.min
        var peak = 1_000_000.0
        var worst = 0.0
        for (time, value) in equity {
            let today = Int((time.timeIntervalSince1970 / 86_400).rounded(.down))
            if today == day { closes[closes.count - 1] = value } else { closes.append(value); day = today }
            peak = max(peak, value)
            worst = max(worst, (peak - value) / peak)
        }
        let returns = zip(closes.dropFirst(), closes).map { $0 / $1 - 1 }
        let mean = returns.reduce(0, +) / Double(returns.count)
        let deviation = (returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(returns.count - 1)).squareRoot()
        let statistics = result.statistics
        #expect(abs(statistics.maxDrawdownPercent + worst * 100) < 1e-9)
        // Minute bars around the clock, weekends included: a market that trades every day, annualised over 365 days.
        #expect(statistics.calendar == .everyDay)
        #expect(abs(try #require(statistics.sharpe) - mean / deviation * 365.0.squareRoot()) < 1e-6)
        #expect(abs(statistics.finalEquity - result.finalEquity.doubleValue) < 1e-6)
        #expect(abs(equity.last!.value - result.finalEquity.doubleValue) < 1e-6, "the running Double equity stays on the exact one")
    }

    @Test("the equity curve kept for charts is bounded and includes the first and last bars")
    func curveIsBounded() throws {
        let candles = Self.minuteBars(50_000)
        let result = Backtester.run(strategy: try SMACrossover.make(["fast": 10, "slow": 30]), candles: candles, configuration: Self.configuration)
        #expect(result.bars == 50_000)
        #expect(result.equityCurve.count <= 4_097)
        #expect(result.equityCurve.count >= 2_048)
        #expect(result.equityCurve.first?.time == candles.first?.openTime)
        #expect(result.equityCurve.last?.time == candles.last?.openTime)
        #expect(zip(result.equityCurve, result.equityCurve.dropFirst()).allSatisfy { $0.time < $1.time })
    }

    @Test("keelson backtest reads a long file in chunks; a bad row far into it is named and leaves no equity.csv")
    func badRowInALaterChunk() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("long-\(UUID()).csv")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("long-out-\(UUID())")
        var text = "time,open,high,low,close,volume\n"
        for (index, candle) in Self.minuteBars(70_000).enumerated() {
            let close = index == 69_000 ? "abc" : "\(candle.close)"
            text += "\(Int64(candle.openTime.timeIntervalSince1970 * 1000)),\(candle.open),\(candle.high),\(candle.low),\(close),\(candle.volume)\n"
        }
        try text.write(to: file, atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run("keelson", ["backtest", "--strategy", "sma_crossover", "--data", file.path, "--out", out.path])
        #expect(result.exitCode == 2)
        #expect(result.stderr == "keelson: \(file.path): row 69002: close 'abc' is not a number\n", Comment(rawValue: result.stderr))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("equity.csv").path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("equity.csv.partial").path))
    }
}
