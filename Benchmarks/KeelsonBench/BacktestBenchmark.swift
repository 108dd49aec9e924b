import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonIndicators
import KeelsonMarketData
import KeelsonStrategies

/// `sma_crossover(10, 30)` over 1,000,000 and 5,000,000 seeded synthetic one-minute bars read from a CSV file a chunk
/// at a time, with the reference conventions (all-in whole units at the next open, no fees, no slippage) that
/// backtesting.py and vectorbt are timed with on the same file (scripts/bench-peers.sh). Per size: bars per
/// second of the backtest (median of 5 runs), the time to read the file into candles timed apart, and peak
/// memory. Writes the figures and Keelson's GOOG trades to `.build-bench/backtest/` for the comparison.
enum BacktestBenchmark {
    /// `KEELSON_BENCH_BARS=200000,1000000` measures other sizes.
    static let sizes = (ProcessInfo.processInfo.environment["KEELSON_BENCH_BARS"] ?? "1000000,5000000").split(separator: ",").compactMap { Int($0) }
    static let folder = ".build-bench/backtest"
    static let symbol = Symbol(rawValue: "BTCUSDT")!
    static let reference = BacktestConfiguration(
        initialCash: 1_000_000, sizing: .allIn, execution: BacktestConfiguration.frictionless, rules: BacktestConfiguration.wholeUnits
    )

    struct Figures: Encodable {
        var bars: Int
        var trades: Int
        var barsPerSecond: Double
        var backtestSeconds: Double
        var loadSeconds: Double
        var peakMegabytes: Double
        var finalEquity: String

        enum CodingKeys: String, CodingKey {
            case bars, trades
            case barsPerSecond = "bars_per_second", backtestSeconds = "backtest_seconds", loadSeconds = "load_seconds"
            case peakMegabytes = "peak_mb", finalEquity = "final_equity"
        }
    }

    static func run() async throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var lines = ["Backtest of sma_crossover(10, 30), all-in whole units at the next open, no fees or slippage, synthetic 1-minute bars from CSV:"]
        var figures: [String: Figures] = [:]
        for size in sizes {
            let file = try dataFile(bars: size)
            var backtest: [Duration] = []
            var loading: [Duration] = []
            var last: BacktestResult?
            for _ in 0..<5 {
                let (result, load, test) = try runOnce(file: file, configuration: reference)
                backtest.append(test)
                loading.append(load)
                last = result
            }
            let median = BackfillBenchmark.seconds(backtest.sorted()[2])
            let load = BackfillBenchmark.seconds(loading.sorted()[2])
            let peak = Double(BackfillBenchmark.peakResidentBytes()) / 1_000_000
            let result = last!
            figures[String(size)] = Figures(
                bars: result.bars, trades: result.trades.count, barsPerSecond: Double(result.bars) / median, backtestSeconds: median,
                loadSeconds: load, peakMegabytes: peak, finalEquity: result.finalEquity.description
            )
            lines.append(
                String(
                    format: "  %d bars, %d trades: %@ bars/s (median of 5: %.3f s); reading the file took %.2f s (%@ bars/s); peak memory %.0f MB",
                    result.bars, result.trades.count, BackfillBenchmark.format(Double(result.bars) / median), median, load,
                    BackfillBenchmark.format(Double(result.bars) / load), peak
                ))
        }
        // The engine's own defaults, for scale: risk sizing with protective stops, the standard execution model.
        let riskConfiguration = BacktestConfiguration(
            initialCash: 10_000, sizing: .risk(.conservative(maxCapital: 10_000)), execution: .standard, rules: .defaultSpot)
        let (riskResult, _, riskTime) = try runOnce(file: try dataFile(bars: sizes[0]), configuration: riskConfiguration)
        lines.append(
            String(
                format: "  with risk sizing, stops and the standard execution model instead: %@ bars/s (%d trades, one run)",
                BackfillBenchmark.format(Double(riskResult.bars) / BackfillBenchmark.seconds(riskTime)), riskResult.trades.count
            ))

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(figures).write(to: URL(fileURLWithPath: "\(folder)/keelson.json"))
        try writeGOOGTrades()
        return lines
    }

    /// One streaming run: the time spent reading and converting rows, and the time spent in the backtest.
    static func runOnce(file: String, configuration: BacktestConfiguration) throws -> (BacktestResult, Duration, Duration) {
        var reader = try CandleCSV.Reader(path: file)
        var run = BacktestRun(strategy: try SMACrossover.make(["fast": 10, "slow": 30]), configuration: configuration)
        var loading = Duration.zero
        var backtest = Duration.zero
        while true {
            let began = ContinuousClock.now
            // As `keelson backtest` reads a file: candles straight from the bytes, a chunk at a time.
            let candles = try reader.nextCandles(maxRows: 1 << 16, exchange: "file", symbol: symbol, interval: .oneMinute)
            if candles.isEmpty { break }
            let bars = candles.map(\.ohlcv)
            let read = ContinuousClock.now
            for index in candles.indices { run.process(candles[index], bars[index]) }
            let tested = ContinuousClock.now
            loading += read - began
            backtest += tested - read
        }
        let finishing = ContinuousClock.now
        let result = run.finish()
        backtest += ContinuousClock.now - finishing
        return (result, loading, backtest)
    }

    /// `.build-bench/backtest/synthetic-N.csv`, written once a day of bars at a time (the file is reused after).
    static func dataFile(bars: Int) throws -> String {
        let path = "\(folder)/synthetic-\(bars).csv"
        if FileManager.default.fileExists(atPath: path) { return path }
        let partial = path + ".partial"
        FileManager.default.createFile(atPath: partial, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
        handle.write(Data("time,open,high,low,close,volume\n".utf8))
        let generator = SyntheticBars(seed: 3)
        let style = CandleCSV.TimeStyle.dateTime(separator: " ", seconds: true, zulu: false)
        var written = 0
        var from = SyntheticBars.epoch
        while written < bars {
            let count = min(1_440, bars - written)
            let to = from.addingTimeInterval(TimeInterval(count * 60))
            var text = ""
            for candle in generator.minuteBars(symbol: symbol, from: from, to: to) {
                text += "\(style.format(candle.openTime)),\(candle.open),\(candle.high),\(candle.low),\(candle.close),\(candle.volume)\n"
            }
            handle.write(Data(text.utf8))
            written += count
            from = to
        }
        try handle.close()
        try FileManager.default.moveItem(atPath: partial, toPath: path)
        return path
    }

    /// Keelson's trades on GOOG with the reference conventions, for the peers script to compare with backtesting.py's.
    static func writeGOOGTrades() throws {
        let google = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data/GOOG.csv").standardized
            .path
        guard FileManager.default.fileExists(atPath: google) else { return }
        let rows = try CandleCSV.load(path: google)
        let result = Backtester.run(
            strategy: try SMACrossover.make(["fast": 10, "slow": 30]),
            candles: CandleCSV.candles(rows, exchange: "file", symbol: Symbol(rawValue: "GOOG")!, interval: .oneDay), configuration: reference
        )
        let style = CandleCSV.TimeStyle.date
        var text = "entry_time,entry_price,exit_time,exit_price,size,pnl\n"
        for trade in result.trades {
            text +=
                "\(style.format(trade.entryTime)),\(trade.entryPrice),\(style.format(trade.exitTime)),\(trade.exitPrice),\(trade.quantity),\(trade.pnl)\n"
        }
        try text.write(toFile: "\(folder)/goog-keelson-trades.csv", atomically: true, encoding: .utf8)
    }
}
