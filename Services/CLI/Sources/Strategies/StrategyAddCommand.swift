import ArgumentParser
import Foundation
import KeelsonPersistence
import KeelsonStrategies

/// `keelson strategies add ID --strategy NAME --symbol S --interval I [--param NAME=VALUE ...] --reason WHY`: a new
/// instance as a candidate — evaluated on the live candles, its signals never sent to the engine — without editing the
/// strategies file or restarting anything: the signal service picks it up within its refresh. Promote it with
/// `keelson strategies promote` when it should trade.
struct StrategyAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a strategy instance as a candidate without a restart (recorded with its lifecycle event and in the audit log)."
    )

    @Argument(help: "The new instance's id.") var id: String
    @Option(help: "Strategy name (\(StrategyCatalog.builtFromParameters.map { $0.name }.joined(separator: ", "))).") var strategy: String
    @Option(name: .customLong("symbol"), help: "A symbol it trades; repeat for several.") var symbols: [String] = []
    @Option(help: "The candle interval it reads, e.g. 1m or 1h.") var interval: String
    @Option(name: .customLong("param"), help: "A strategy parameter, NAME=VALUE; repeat for several (the others keep their defaults).")
    var parameters: [String] = []
    @Option(help: "Why; recorded with its lifecycle event and in the audit log.") var reason: String
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !why.isEmpty else { throw CLIError("--reason is empty; say why the instance is added", exitCode: 2) }
            guard StrategyInstanceID.isValid(id) else { throw CLIError("\(id) is not an instance id (\(StrategyInstanceID.rule))", exitCode: 2) }
            guard StrategyCatalog.builtFromParameters.contains(where: { $0.name == strategy }) else {
                let names = StrategyCatalog.builtFromParameters.map { $0.name }.joined(separator: ", ")
                let note = strategy == "ml_classifier" ? " (an ml_classifier instance names its model in the strategies file)" : ""
                throw CLIError("--strategy \(strategy) cannot be added here\(note); expected one of \(names)", exitCode: 2)
            }
            guard !symbols.isEmpty else { throw CLIError("give at least one --symbol, e.g. --symbol BTCUSDT", exitCode: 2) }
            let markets = try symbols.map(MarketDataArguments.symbol)
            let candleInterval = try MarketDataArguments.interval(interval)
            let given = try ParameterArguments.values(parameters)
            do {
                _ = try StrategyCatalog.make(strategy, parameters: given)
            } catch let error as StrategyError {
                throw CLIError(error.description, exitCode: 2)
            }
            let registration = StrategyRegistration(
                instance: id, strategy: strategy, symbols: markets.map(\.rawValue), interval: candleInterval.rawValue,
                parametersJSON: String(decoding: try JSONEncoder().encode(given), as: UTF8.self), initialStatus: .candidate)
            try await database.withClient { client, _ in
                do {
                    _ = try await PostgresStrategyLifecycleStore(client: client, logger: CLILogger.quiet).add(
                        registration, reason: why, actor: OptimizationRecorder.requester)
                } catch StrategyLifecycleError.instanceExists {
                    throw CLIError("an instance '\(id)' exists already; choose another id (keelson strategies list)", exitCode: 2)
                }
            }
            let values = given.keys.sorted().map { "\($0) \(OptimizationFiles.number(given[$0]!))" }
            print(
                "\(id): a candidate of \(strategy) on \(markets.map(\.rawValue).joined(separator: ", ")) \(candleInterval.rawValue)"
                    + (values.isEmpty ? " with its default parameters" : " with \(values.joined(separator: ", "))"))
            print("the signal service evaluates it within its refresh; promote it with `keelson strategies promote \(id) --reason ...`")
        }
    }
}
