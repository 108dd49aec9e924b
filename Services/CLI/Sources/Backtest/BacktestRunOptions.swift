import ArgumentParser
import Foundation
import KeelsonBacktest
import KeelsonDomain
import KeelsonTrading

/// How a backtest trades — cash, fees, slippage, sizing, or the engine's settings file — shared by `keelson backtest`
/// and `keelson optimize`, so an optimiser's combination and a plain backtest of it run under the same terms.
struct BacktestRunOptions: ParsableArguments {
    @Option(help: "Starting cash (default 10000, or the engine configuration's max_capital).") var cash: String?
    @Option(help: "Taker fee in basis points (10 = 0.1 %; default 10).") var feeBps: String?
    @Option(help: "none, or standard (the paper broker's spread, impact and volatility slippage; the default).") var slippage: String?
    @Option(help: "all-in (whole units, backtesting.py's convention) or risk (the engine's risk manager, stops and loss limits; the default).")
    var sizing = "risk"
    @Option(
        help:
            "The engine's expert settings file (what KEELSON_ENGINE_CONFIG names): its risk, stops, execution model, symbol rules and daily-loss and drawdown halts."
    ) var engineConfig: String?

    /// These options as arguments, to run the same terms again (a recorded search's shards and `collect`).
    var arguments: [String] {
        [("--cash", cash), ("--fee-bps", feeBps), ("--slippage", slippage), ("--sizing", sizing), ("--engine-config", engineConfig)]
            .flatMap { name, value in value.map { [name, $0] } ?? [] }
    }

    /// - Parameter symbol: whose rules the engine's settings file applies.
    func configuration(symbol: String?) throws -> BacktestConfiguration {
        if let engineConfig { return try engineConfiguration(path: engineConfig, symbol: symbol) }
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

    /// Where an optimiser may search risk settings: nil unless sizing is by risk; the settings file's
    /// `optimizer_bounds` when there is one (else the hard safety bounds apply).
    func riskSearchBounds() throws -> [String: ClosedRange<Double>]? {
        guard sizing == "risk" else { return nil }
        guard let engineConfig else { return [:] }
        do {
            return try TradingSettingsFile.load(path: engineConfig).optimizerBounds
        } catch {
            throw CLIError("--engine-config: \(error.problem)", exitCode: 2)
        }
    }

    /// The engine's settings file: its risk settings (loss limits included), execution model and the symbol's rules;
    /// cash is its max_capital unless --cash says otherwise.
    func engineConfiguration(path: String, symbol: String?) throws -> BacktestConfiguration {
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
        let symbol = try MarketDataArguments.symbol(symbol ?? "DATA")
        return BacktestConfiguration(
            initialCash: initial, sizing: .risk(settings.risk), execution: settings.execution, rules: settings.rules(for: symbol))
    }
}
