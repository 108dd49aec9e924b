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
        abstract:
            "Run a strategy over history with the engine's risk, execution and accounting code; print a summary and write trades.csv, equity.csv, summary.json and report.html."
    )

    @Option(help: "Strategy name (\(StrategyCatalog.names.joined(separator: ", "))).") var strategy: String
    @Option(name: .customLong("param"), help: "A strategy parameter, NAME=VALUE; repeat for several.") var parameters: [String] = []
    @Option(help: "OHLCV CSV file (header time,open,high,low,close,volume; the GOOG.csv format is accepted).") var data: String?
    @Option(help: "Symbol: of the file (default DATA), or to read from the candle store.") var symbol: String?
    @Option(help: "Bar interval, e.g. 1m or 1d (read from the store; for a file, inferred when omitted).") var interval: String?
    @Option(help: "Store: first bar's open time (ISO-8601 or epoch ms).") var from: String?
    @Option(help: "Store: end of the range, exclusive.") var to: String?
    @Option(help: "Store: the exchange the candles are stored under.") var exchange = "replay"
    @Option(help: "Starting cash (default 10000, or the engine configuration's max_capital).") var cash: String?
    @Option(help: "Taker fee in basis points (10 = 0.1 %; default 10).") var feeBps: String?
    @Option(help: "none, or standard (the paper broker's spread, impact and volatility slippage; the default).") var slippage: String?
    @Option(help: "all-in (whole units, backtesting.py's convention) or risk (the engine's risk manager, stops and loss limits; the default).")
    var sizing = "risk"
    @Option(
        help:
            "The engine's expert settings file (what KEELSON_ENGINE_CONFIG names): its risk, stops, execution model, symbol rules and daily-loss and drawdown halts."
    ) var engineConfig: String?
    @Option(help: "Folder for trades.csv, equity.csv, summary.json and report.html.") var out: String?
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let strategy = try makeStrategy()
            let configuration = try makeConfiguration()
            if let out {
                do {
                    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                } catch {
                    throw CLIError("cannot create \(out): \(error.localizedDescription)")
                }
            }
            let started = ContinuousClock.now
            var source = try await openSource()
            let equityFile = try out.map { directory throws(CLIError) in try EquityCSVWriter(directory: directory, timeStyle: source.timeStyle) }
            var run = BacktestRun(
                strategy: strategy, configuration: configuration, equityObserver: equityFile.map { file in { file.record(time: $0, equity: $1) } })
            let progress = ProgressLine(total: 1, unit: "bars", showAfter: .seconds(1))
            do {
                try await source.feed { candles, fraction in
                    for candle in candles { run.process(candle, candle.ohlcv) }
                    progress.update(run.bars, fraction: fraction)
                }
            } catch {
                equityFile?.discard()
                throw error
            }
            progress.finish()
            let result = run.finish()
            guard result.bars > 1 else {
                equityFile?.discard()
                throw CLIError("only \(result.bars) candles to test on; give a longer range", exitCode: 2)
            }
            let elapsed = ContinuousClock.now - started
            print(BacktestReport.summary(result, strategy: self.strategy, elapsed: elapsed))
            if let out, let equityFile {
                try equityFile.finish()
                try BacktestReport.write(result, to: out, timeStyle: source.timeStyle, strategy: self.strategy, parameters: parameters)
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
        if let engineConfig { return try engineConfiguration(path: engineConfig) }
        let cash = cash ?? "10000"
        guard let initial = Decimal(string: cash), initial > 0, cash.allSatisfy({ $0.isNumber || $0 == "." }) else {
            throw CLIError("--cash \(cash) is not an amount; expected a positive number, e.g. 10000", exitCode: 2)
        }
        let feeBps = feeBps ?? "10"
        guard let fee = Decimal(string: feeBps), fee >= 0, fee < 1000, feeBps.allSatisfy({ $0.isNumber || $0 == "." }) else {
            throw CLIError("--fee-bps \(feeBps) is not allowed; expected basis points from 0 to 999, e.g. 10 for 0.1 %", exitCode: 2)
        }
        var execution: ExecutionModel
        switch slippage ?? "standard" {
        case "none": execution = BacktestConfiguration.frictionless
        case "standard": execution = .standard
        default: throw CLIError("--slippage \(slippage ?? "") is not a model; expected none or standard", exitCode: 2)
        }
        execution.takerFeeRate = fee / 10_000
        execution.makerFeeRate = fee / 10_000
        switch sizing {
        case "all-in":
            return BacktestConfiguration(initialCash: initial, sizing: .allIn, execution: execution, rules: BacktestConfiguration.wholeUnits)
        case "risk":
            return BacktestConfiguration(
                initialCash: initial, sizing: .risk(.conservative(maxCapital: initial)), execution: execution, rules: .defaultSpot)
        default:
            throw CLIError("--sizing \(sizing) is not allowed; expected all-in or risk", exitCode: 2)
        }
    }

    /// The engine's settings file: its risk settings (loss limits included), execution model and the symbol's rules;
    /// cash is its max_capital unless --cash says otherwise.
    func engineConfiguration(path: String) throws -> BacktestConfiguration {
        guard feeBps == nil, slippage == nil else {
            throw CLIError(
                "--fee-bps and --slippage do not go with --engine-config: the file's execution section sets fees and slippage", exitCode: 2)
        }
        guard sizing == "risk" else {
            throw CLIError("--sizing \(sizing) does not go with --engine-config, which sizes by the file's risk settings", exitCode: 2)
        }
        let settings: TradingSettingsFile.Settings
        do {
            settings = try TradingSettingsFile.load(path: path)
        } catch {
            throw CLIError("--engine-config: \(error.problem)", exitCode: 2)
        }
        var initial = settings.maxCapital
        if let cash {
            guard let amount = Decimal(string: cash), amount > 0, cash.allSatisfy({ $0.isNumber || $0 == "." }) else {
                throw CLIError("--cash \(cash) is not an amount; expected a positive number, e.g. 10000", exitCode: 2)
            }
            initial = amount
        }
        let symbol = try MarketDataArguments.symbol(self.symbol ?? "DATA")
        return BacktestConfiguration(
            initialCash: initial, sizing: .risk(settings.risk), execution: settings.execution, rules: settings.rules(for: symbol))
    }

    /// Where the candles come from: a file read a chunk at a time, or the candle store a page at a time.
    func openSource() async throws -> BacktestSource {
        if let data {
            guard from == nil, to == nil else {
                throw CLIError("--from and --to read the candle store; with --data the whole file is used", exitCode: 2)
            }
            return try BacktestSource.file(
                data, symbol: try MarketDataArguments.symbol(symbol ?? "DATA"), interval: try interval.map(MarketDataArguments.interval))
        }
        guard let symbol, let interval, let from, let to else {
            throw CLIError("give --data FILE, or --symbol, --interval, --from and --to to read the candle store", exitCode: 2)
        }
        let start = try MarketDataArguments.time(from, option: "--from")
        let end = try MarketDataArguments.time(to, option: "--to")
        guard start < end else { throw CLIError("--from must be before --to", exitCode: 2) }
        return .store(
            database: database, exchange: exchange, symbol: try MarketDataArguments.symbol(symbol),
            interval: try MarketDataArguments.interval(interval),
            from: start, to: end, fromText: from, toText: to
        )
    }
}
