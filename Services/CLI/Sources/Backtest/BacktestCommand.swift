import ArgumentParser
import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonModels
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

    @Option(help: "Strategy name (\(StrategyCatalog.names.joined(separator: ", "))).") var strategy: String?
    @Option(
        help:
            "A strategies file (as config/strategies.json): its enabled instances on one account, with its lifecycle rules and capital allocation replayed."
    ) var strategies: String?
    @Option(help: "With --strategies: a folder with SYMBOL-INTERVAL.csv for each traded symbol (as data/sample).") var dataDir: String?
    @Flag(help: "With --strategies: keep every instance in its starting state (no lifecycle rules, no capital allocation).") var noLifecycle = false
    @Option(name: .customLong("param"), help: "A strategy parameter, NAME=VALUE; repeat for several.") var parameters: [String] = []
    @OptionGroup var history: HistoryOptions
    @OptionGroup var terms: BacktestRunOptions
    @Option(help: "Folder for trades.csv, equity.csv, summary.json and report.html.") var out: String?
    @Option(help: "ml_classifier: a model.json to trade on instead of the registry's version --param model=ID.") var modelFile: String?
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            if let strategies {
                guard strategy == nil, parameters.isEmpty, modelFile == nil else {
                    throw CLIError("--strategies tests a whole strategies file; leave out --strategy, --param and --model-file", exitCode: 2)
                }
                try await PortfolioBacktestRunner(
                    strategiesPath: strategies, dataDirectory: dataDir, history: history, terms: terms, lifecycle: !noLifecycle, out: out,
                    database: database
                ).run()
                return
            }
            guard let strategyName = strategy else {
                throw CLIError(
                    "give --strategy NAME (\(StrategyCatalog.names.joined(separator: ", "))), or --strategies FILE for a portfolio", exitCode: 2)
            }
            guard dataDir == nil, !noLifecycle else { throw CLIError("--data-dir and --no-lifecycle go with --strategies", exitCode: 2) }
            let strategy = try await makeStrategy(strategyName)
            let configuration = try terms.configuration(symbol: history.symbol)
            if let out { try OutputFolder.create(out) }
            let started = ContinuousClock.now
            var source = try await history.openSource(database: database)
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
            print(BacktestReport.summary(result, strategy: strategyName, elapsed: elapsed))
            if let out, let equityFile {
                try equityFile.finish()
                try BacktestReport.write(result, to: out, timeStyle: source.timeStyle, strategy: strategyName, parameters: parameters)
                print("wrote \(out)/trades.csv, equity.csv, summary.json, report.html")
            }
        }
    }

    func makeStrategy(_ strategy: String) async throws -> any Strategy {
        let values = try ParameterArguments.values(parameters)
        var model: TrainedModel?
        if strategy == MLClassifier.name {
            model = try await tradedModel(id: Int64(values["model"] ?? 0))
        } else if modelFile != nil {
            throw CLIError("--model-file is for the ml_classifier strategy only", exitCode: 2)
        }
        do {
            return try StrategyCatalog.make(strategy, parameters: values, model: model)
        } catch {
            throw CLIError(error.description, exitCode: 2)
        }
    }

    /// The model ml_classifier trades on: --model-file, else the registry's version `--param model=ID`.
    func tradedModel(id: Int64) async throws -> TrainedModel {
        guard id > 0 || modelFile != nil else {
            throw CLIError("ml_classifier needs --param model=ID (keelson model list) or --model-file model.json", exitCode: 2)
        }
        return try await ModelRegistryOptions.model(id: id, file: modelFile, database: database)
    }
}
