import ArgumentParser
import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonPersistence
import KeelsonStrategies
import KeelsonTrading

/// `keelson backtest`: a strategy over a CSV file or stored candles, through the live trading code.
struct BacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Run a strategy over history with the engine's risk, execution and accounting code; print a summary and write trades.csv, equity.csv, summary.json and report.html."
    )

    @Option(help: "Strategy name (\(StrategyCatalog.names.joined(separator: ", "))).") var strategy: String
    @Option(name: .customLong("param"), help: "A strategy parameter, NAME=VALUE; repeat for several.") var parameters: [String] = []
    @Option(help: "OHLCV CSV file (header time,open,high,low,close,volume; the GOOG.csv format is accepted).") var data: String?
    @Option(help: "Symbol: of the file (default DATA), or to read from the candle store.") var symbol: String?
    @Option(help: "Bar interval, e.g. 1m or 1d (read from the store; for a file, inferred when omitted).") var interval: String?
    @Option(help: "Store: first bar's open time (ISO-8601 or epoch ms).") var from: String?
    @Option(help: "Store: end of the range, exclusive.") var to: String?
    @Option(help: "Store: the exchange the candles are stored under.") var exchange = "replay"
    @Option(help: "Starting cash.") var cash = "10000"
    @Option(help: "Taker fee in basis points (10 = 0.1 %).") var feeBps = "10"
    @Option(help: "none, or standard (the paper broker's spread, impact and volatility slippage).") var slippage = "standard"
    @Option(help: "all-in (whole units, backtesting.py's convention) or risk (the engine's risk manager and stops).") var sizing = "risk"
    @Option(help: "Folder for trades.csv, equity.csv, summary.json and report.html.") var out: String?
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let strategy = try makeStrategy()
            let (candles, timeTexts) = try await loadCandles()
            guard candles.count > 1 else { throw CLIError("only \(candles.count) candles to test on; give a longer range", exitCode: 2) }
            let configuration = try makeConfiguration()
            let started = ContinuousClock.now
            let progress = ProgressLine(total: candles.count, unit: "bars", showAfter: .seconds(1))
            let result = Backtester.run(strategy: strategy, candles: candles, configuration: configuration) { done, _ in progress.update(done) }
            progress.finish()
            let elapsed = ContinuousClock.now - started
            print(BacktestReport.summary(result, strategy: self.strategy, candles: candles, elapsed: elapsed))
            if let out {
                try BacktestReport.write(result, candles: candles, to: out, timeTexts: timeTexts, strategy: self.strategy, parameters: parameters)
                print("wrote \(out)/trades.csv, equity.csv, summary.json, report.html")
            }
        }
    }

    func makeStrategy() throws -> any Strategy {
        var values: [String: Double] = [:]
        for parameter in parameters {
            let parts = parameter.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = Double(parts[1]) else {
                throw CLIError("--param \(parameter) is not NAME=NUMBER, e.g. --param fast=10", exitCode: 2)
            }
            values[parts[0]] = value
        }
        do {
            return try StrategyCatalog.make(strategy, parameters: values)
        } catch {
            throw CLIError(error.description, exitCode: 2)
        }
    }

    func makeConfiguration() throws -> BacktestConfiguration {
        guard let initial = Decimal(string: cash), initial > 0, cash.allSatisfy({ $0.isNumber || $0 == "." }) else {
            throw CLIError("--cash \(cash) is not an amount; expected a positive number, e.g. 10000", exitCode: 2)
        }
        guard let fee = Decimal(string: feeBps), fee >= 0, fee < 1000, feeBps.allSatisfy({ $0.isNumber || $0 == "." }) else {
            throw CLIError("--fee-bps \(feeBps) is not allowed; expected basis points from 0 to 999, e.g. 10 for 0.1 %", exitCode: 2)
        }
        var execution: ExecutionModel
        switch slippage {
        case "none": execution = BacktestConfiguration.frictionless
        case "standard": execution = .standard
        default: throw CLIError("--slippage \(slippage) is not a model; expected none or standard", exitCode: 2)
        }
        execution.takerFeeRate = fee / 10_000
        execution.makerFeeRate = fee / 10_000
        switch sizing {
        case "all-in":
            return BacktestConfiguration(initialCash: initial, sizing: .allIn, execution: execution, rules: BacktestConfiguration.wholeUnits)
        case "risk":
            return BacktestConfiguration(initialCash: initial, sizing: .risk(.conservative(maxCapital: initial)), execution: execution, rules: .defaultSpot)
        default:
            throw CLIError("--sizing \(sizing) is not allowed; expected all-in or risk", exitCode: 2)
        }
    }

    /// The candles, and for a file the time cells as written (outputs show times as in the input).
    func loadCandles() async throws -> ([Candle], [Date: String]) {
        if let data {
            guard from == nil, to == nil else { throw CLIError("--from and --to read the candle store; with --data the whole file is used", exitCode: 2) }
            let rows = try Self.rows(of: data)
            let symbol = try MarketDataArguments.symbol(self.symbol ?? "DATA")
            let interval = try self.interval.map(MarketDataArguments.interval) ?? Self.inferInterval(rows, file: data)
            let candles = CandleCSV.candles(rows, exchange: "file", symbol: symbol, interval: interval)
            return (candles, Dictionary(rows.map { ($0.time, $0.timeText) }, uniquingKeysWith: { first, _ in first }))
        }
        guard let symbol, let interval, let from, let to else {
            throw CLIError("give --data FILE, or --symbol, --interval, --from and --to to read the candle store", exitCode: 2)
        }
        let parsedSymbol = try MarketDataArguments.symbol(symbol)
        let parsedInterval = try MarketDataArguments.interval(interval)
        let start = try MarketDataArguments.time(from, option: "--from")
        let end = try MarketDataArguments.time(to, option: "--to")
        guard start < end else { throw CLIError("--from must be before --to", exitCode: 2) }
        let candles = try await database.withClient { client, _ in
            let store = PostgresCandleStore(client: client, logger: CLILogger.quiet)
            var result: [Candle] = []
            var cursor = start.addingTimeInterval(-0.001)
            while true {
                let page = try await store.candles(exchange: exchange, symbol: parsedSymbol, interval: parsedInterval, after: cursor, limit: 50_000)
                result += page.prefix { $0.openTime < end }
                guard let last = page.last, last.openTime < end, page.count == 50_000 else { break }
                cursor = last.openTime
            }
            return result
        }
        guard !candles.isEmpty else {
            throw CLIError("no \(parsedInterval.rawValue) candles of \(parsedSymbol) on \(exchange) from \(from) to \(to); `keelson data backfill` or `keelson data import` stores some", exitCode: 1)
        }
        return (candles, [:])
    }

    static func rows(of file: String) throws(CLIError) -> [CandleCSV.Row] {
        do {
            return try CandleCSV.load(path: file)
        } catch {
            throw CLIError(error.description, exitCode: 2)
        }
    }

    /// The most common spacing of the first rows, when it is a known interval.
    static func inferInterval(_ rows: [CandleCSV.Row], file: String) throws -> CandleInterval {
        var counts: [Int64: Int] = [:]
        for (previous, current) in zip(rows.prefix(200), rows.prefix(200).dropFirst()) {
            counts[Int64(current.time.timeIntervalSince(previous.time).rounded()), default: 0] += 1
        }
        let spacing = counts.max { $0.value < $1.value }?.key ?? 0
        // Daily data skips weekends, so the most common gap of a daily file is one day.
        guard let interval = CandleInterval.allCases.first(where: { $0.seconds == spacing }) else {
            throw CLIError("\(file): cannot tell the bar interval from the times (most rows are \(spacing) s apart); pass --interval", exitCode: 2)
        }
        return interval
    }
}
