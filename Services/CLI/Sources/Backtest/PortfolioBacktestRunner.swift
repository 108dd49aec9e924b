import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonFoundation
import KeelsonPortfolio
import KeelsonStrategies
import KeelsonTrading
import SignalsService

/// `keelson backtest --strategies FILE`: the enabled instances of a strategies file on one shared account, with the
/// file's lifecycle rules and capital allocation replayed on the history of every symbol they trade.
struct PortfolioBacktestRunner {
    var strategiesPath: String
    /// Holds SYMBOL-INTERVAL.csv for each symbol (data/sample's layout); nil: the candle store.
    var dataDirectory: String?
    var history: HistoryOptions
    var terms: BacktestRunOptions
    var lifecycle: Bool
    var out: String?
    var database: DatabaseOptions

    func run() async throws {
        let contents: StrategiesFile.Contents
        do {
            contents = try StrategiesFile.parseContents(try Data(contentsOf: URL(fileURLWithPath: strategiesPath)), source: strategiesPath)
        } catch let error as ConfigurationError {
            throw CLIError("--strategies: \(error.problem)", exitCode: 2)
        } catch {
            throw CLIError(
                "--strategies: cannot read '\(strategiesPath)'; give the path of a strategies file such as config/strategies.json", exitCode: 2)
        }
        guard history.data == nil, history.symbol == nil else {
            throw CLIError(
                "--data and --symbol name one history; with --strategies give --data-dir DIR, or --from and --to to read the candle store",
                exitCode: 2)
        }
        guard dataDirectory != nil || (history.from != nil && history.to != nil) else {
            throw CLIError(
                "--strategies needs its history: --data-dir DIR (SYMBOL-INTERVAL.csv per symbol), or --from and --to to read the candle store",
                exitCode: 2)
        }
        let enabled = contents.instances.filter(\.enabled)
        guard !enabled.isEmpty else { throw CLIError("--strategies: '\(strategiesPath)' has no enabled instance to test", exitCode: 2) }
        if let model = enabled.first(where: { $0.model != nil }) {
            throw CLIError(
                "--strategies: instance \(model.id) trades a registry model; a portfolio backtest runs built-in strategies only (set \"enabled\": false on it)",
                exitCode: 2)
        }
        let interval = enabled[0].interval
        if let other = enabled.first(where: { $0.interval != interval }) {
            throw CLIError(
                "--strategies: \(other.id) trades \(other.interval.rawValue) bars and \(enabled[0].id) \(interval.rawValue); a portfolio backtest needs one interval",
                exitCode: 2)
        }
        var symbols: [Symbol] = []
        for symbol in enabled.flatMap(\.symbols) where !symbols.contains(symbol) { symbols.append(symbol) }
        let configuration = try self.configuration(symbols: symbols, rules: contents.rules)
        let instances = try enabled.map { instance in
            do {
                return PortfolioBacktest.Instance(
                    id: instance.id, status: instance.initialStatus, strategies: try instance.symbols.map { ($0, try instance.makeStrategy()) })
            } catch {
                throw CLIError("--strategies: instance \(instance.id): \(error)", exitCode: 2)
            }
        }
        if let out { try OutputFolder.create(out) }
        let started = ContinuousClock.now
        let timeline = try await self.timeline(symbols: symbols, interval: interval)
        guard timeline.count > 1 else { throw CLIError("only \(timeline.count) bars to test on; give a longer range", exitCode: 2) }
        var backtest = PortfolioBacktest(instances: instances, configuration: configuration)
        for step in timeline { try backtest.process(step) }
        let result = backtest.finish()
        let report = PortfolioBacktestReport(
            result: result, bars: timeline.count, first: timeline.first?.first?.openTime, last: timeline.last?.first?.openTime,
            strategiesPath: strategiesPath)
        print(report.summary(elapsed: ContinuousClock.now - started))
        if let out {
            try report.write(to: out)
            print("wrote \(out)/trades.csv, summary.json, report.html")
        }
    }

    /// The terms of `keelson backtest` (cash, fees, slippage, or the engine's settings file) for every symbol; risk sizing only.
    func configuration(symbols: [Symbol], rules: StrategyLifecycleRules) throws -> PortfolioBacktest.Configuration {
        guard terms.sizing == "risk" else {
            throw CLIError("--sizing \(terms.sizing) does not go with --strategies: a portfolio is sized by the engine's risk manager", exitCode: 2)
        }
        var base: [Symbol: BacktestConfiguration] = [:]
        for symbol in symbols { base[symbol] = try terms.configuration(symbol: symbol.rawValue) }
        let first = base[symbols[0]]!
        guard case .risk(let risk) = first.sizing else { throw CLIError("a portfolio is sized by the engine's risk manager", exitCode: 2) }
        return PortfolioBacktest.Configuration(
            initialCash: first.initialCash, risk: risk, execution: first.execution, rules: base.mapValues(\.rules), lifecycle: lifecycle ? rules : nil
        )
    }

    /// Every symbol's bars, one step per open time (a symbol without a bar at that time is simply absent from it).
    func timeline(symbols: [Symbol], interval: CandleInterval) async throws -> [[Candle]] {
        var byTime: [Date: [Candle]] = [:]
        for symbol in symbols {
            var source: BacktestSource
            if let dataDirectory {
                let path = (dataDirectory as NSString).appendingPathComponent("\(symbol.rawValue)-\(interval.rawValue).csv")
                guard FileManager.default.fileExists(atPath: path) else {
                    throw CLIError(
                        "--data-dir: no \(path); the folder needs SYMBOL-INTERVAL.csv for each traded symbol (as data/sample)", exitCode: 2)
                }
                source = try BacktestSource.file(path, symbol: symbol, interval: interval)
            } else {
                var range = history
                range.symbol = symbol.rawValue
                range.interval = interval.rawValue
                source = try await range.openSource(database: database)
            }
            try await source.feed { candles, _ in
                for candle in candles { byTime[candle.openTime, default: []].append(candle) }
            }
        }
        return byTime.keys.sorted().map { byTime[$0]! }
    }
}
