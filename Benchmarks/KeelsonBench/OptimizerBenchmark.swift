import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonOptimizer
import KeelsonStrategies

/// The 1,000-combination SMA grid of the optimiser issue (fast 5–54 step 1 × slow 20–210 step 10) on the 1,000,000
/// synthetic one-minute bars of the backtest benchmark, with its reference conventions, ranked by Sharpe. Times
/// reading the CSV into the search's columns (and into candles), loading the binary cache, the search with one and with every worker, and the whole
/// run end to end (load + every backtest + ranking), and writes the figures and each combination's results to
/// `.build-bench/optimize/` for scripts/bench-peers.sh to set against vectorbt's sweep of the same grid.
enum OptimizerBenchmark {
    static let folder = ".build-bench/optimize"
    static let bars = Int(ProcessInfo.processInfo.environment["KEELSON_BENCH_OPTIMIZE_BARS"] ?? "") ?? 1_000_000
    static let grid = ["fast=5:54:1", "slow=20:210:10"]

    struct Figures: Encodable {
        var bars: Int
        var combinations: Int
        var workers: Int
        var loadSeconds: Double
        var searchSeconds: Double
        var rankingSeconds: Double
        var totalSeconds: Double
        var combinationsPerSecond: Double
        var peakMegabytes: Double
        var data: String
        var results: String

        enum CodingKeys: String, CodingKey {
            case bars, combinations, workers, data, results
            case loadSeconds = "load_seconds", searchSeconds = "search_seconds", rankingSeconds = "ranking_seconds", totalSeconds = "total_seconds"
            case combinationsPerSecond = "combinations_per_second", peakMegabytes = "peak_mb"
        }
    }

    static func run() async throws -> [String] {
        for path in [folder, BacktestBenchmark.folder] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        let csv = try BacktestBenchmark.dataFile(bars: bars)
        let symbol = BacktestBenchmark.symbol
        var lines = [
            "Optimiser: the 1,000-point sma_crossover grid (\(grid.joined(separator: " "))) on \(bars.formatted()) synthetic 1-minute bars:"
        ]

        // Reading (medians of 5): the CSV into the search's series (columns, then the Doubles) and into candles (what a
        // streaming backtest reads), then the binary cache into its columns and into the search's series.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var columnsTimes: [Duration] = []
        var oneThreadTimes: [Duration] = []
        var candleTimes: [Duration] = []
        var fromCSV: BarSeries?
        for parts in [cores, 1] {
            for _ in 0..<5 {
                let began = ContinuousClock.now
                let read = try CandleCSV.readColumns(path: csv, parts: parts)
                fromCSV = BarSeries(cache: read.columns.finish(timeStyle: read.timeStyle)!, symbol: symbol, interval: .oneMinute)
                if parts == 1 { oneThreadTimes.append(ContinuousClock.now - began) } else { columnsTimes.append(ContinuousClock.now - began) }
                precondition(fromCSV?.count == bars)
            }
        }
        fromCSV = nil
        for _ in 0..<3 {
            let began = ContinuousClock.now
            var reader = try CandleCSV.Reader(path: csv)
            var read = 0
            while true {
                let chunk = try reader.nextCandles(maxRows: 1 << 16, exchange: "file", symbol: symbol, interval: .oneMinute)
                if chunk.isEmpty { break }
                read += chunk.count
            }
            candleTimes.append(ContinuousClock.now - began)
            precondition(read == bars)
        }
        let csvSeconds = BackfillBenchmark.seconds(columnsTimes.sorted()[2])
        let oneThreadSeconds = BackfillBenchmark.seconds(oneThreadTimes.sorted()[2])
        let csvCandleSeconds = BackfillBenchmark.seconds(candleTimes.sorted()[1])
        if CandleCache.load(csv: csv) == nil {
            let read = try CandleCSV.readColumns(path: csv, parts: cores)
            try read.columns.finish(timeStyle: read.timeStyle)!.write(for: csv)
        }
        var columnTimes: [Duration] = []
        var seriesTimes: [Duration] = []
        for _ in 0..<5 {
            let began = ContinuousClock.now
            let cache = CandleCache.load(csv: csv)!
            let loaded = ContinuousClock.now
            let series = BarSeries(cache: cache, symbol: symbol, interval: .oneMinute)
            seriesTimes.append(ContinuousClock.now - began)
            columnTimes.append(loaded - began)
            precondition(series.count == bars)
        }
        let columnSeconds = BackfillBenchmark.seconds(columnTimes.sorted()[2])
        let cacheSeconds = BackfillBenchmark.seconds(seriesTimes.sorted()[2])
        lines.append(
            "  reading: CSV \(rate(Double(bars) / csvSeconds)) rows/s into the search's series on \(cores) threads (\(rate(Double(bars) / oneThreadSeconds)) on one; \(rate(Double(bars) / csvCandleSeconds)) rows/s into candles, a streaming backtest's); binary cache \(rate(Double(bars) / columnSeconds)) bars/s into its columns, \(rate(Double(bars) / cacheSeconds)) bars/s into the search's series"
        )

        // End to end with every core: load (cache) + every backtest + ranking.
        let began = ContinuousClock.now
        let series = BarSeries(cache: CandleCache.load(csv: csv)!, symbol: symbol, interval: .oneMinute)
        let loaded = ContinuousClock.now
        let space = try SearchSpace(strategy: "sma_crossover", parameters: grid, search: .grid)
        let optimizer = Optimizer(
            space: space, folds: [Fold(number: 1, train: series.start!..<series.end!, test: nil)], objective: .sharpe, constraints: [],
            configuration: BacktestBenchmark.reference)
        let trials = await optimizer.run(trials: Array(0..<optimizer.trialCount), on: series, workers: cores)
        let searched = ContinuousClock.now
        let outcome = optimizer.conclude(trials, on: series)
        let finished = ContinuousClock.now
        let best = outcome.final!.best!.parameters
        let total = BackfillBenchmark.seconds(finished - began)
        let search = BackfillBenchmark.seconds(searched - loaded)
        let figures = Figures(
            bars: series.count, combinations: trials.count, workers: cores, loadSeconds: BackfillBenchmark.seconds(loaded - began),
            searchSeconds: search,
            rankingSeconds: BackfillBenchmark.seconds(finished - searched), totalSeconds: total, combinationsPerSecond: Double(trials.count) / search,
            peakMegabytes: Double(BackfillBenchmark.peakResidentBytes()) / 1_000_000, data: csv, results: "\(folder)/results.csv")
        lines.append(
            "  \(cores) workers: \(trials.count) combinations in \(String(format: "%.1f", total)) s end to end (load \(String(format: "%.2f", figures.loadSeconds)) s, search \(String(format: "%.1f", search)) s, ranking \(String(format: "%.3f", figures.rankingSeconds)) s): \(String(format: "%.1f", figures.combinationsPerSecond)) combinations/s, \(rate(Double(series.count) * Double(trials.count) / search)) bars/s, peak \(Int(figures.peakMegabytes)) MB; best \(best.map { "\($0.key)=\(Int($0.value))" }.sorted().joined(separator: " "))"
        )

        // One worker, on every tenth combination (the full grid on one core would double the benchmark's time).
        let sample = optimizer.shard(0, of: 10)
        let single = ContinuousClock.now
        _ = await optimizer.run(trials: sample, on: series, workers: 1)
        let singleSeconds = BackfillBenchmark.seconds(ContinuousClock.now - single)
        lines.append(
            "  1 worker: \(String(format: "%.1f", Double(sample.count) / singleSeconds)) combinations/s (\(sample.count) of them), so \(String(format: "%.2f", (Double(sample.count) / singleSeconds) / figures.combinationsPerSecond * Double(cores)))x of linear on \(cores) cores"
        )

        var results = "fast,slow,trades,return,sharpe\n"
        for trial in trials {
            let parameters = space.combinations[trial.combination].parameters
            let statistics = trial.statistics
            results +=
                "\(Int(parameters["fast"]!)),\(Int(parameters["slow"]!)),\(statistics.trades),\(statistics.totalReturnPercent),\(statistics.sharpe.map { "\($0)" } ?? "")\n"
        }
        try results.write(toFile: figures.results, atomically: true, encoding: .utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(figures).write(to: URL(fileURLWithPath: "\(folder)/keelson.json"))
        return lines
    }

    static func rate(_ perSecond: Double) -> String { String(format: "%.1f million", perSecond / 1e6) }
}
