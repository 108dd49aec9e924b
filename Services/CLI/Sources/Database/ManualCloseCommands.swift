import ArgumentParser
import Foundation
import KeelsonPersistence
import KeelsonServiceKit

/// `keelson db close-position`: record a position that was closed by hand on the exchange.
struct ClosePositionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close-position",
        abstract: "Record a position closed by hand on the exchange: the trade, the cash, the balance (the engine must be stopped)."
    )

    @Option(help: "The symbol, e.g. BTCUSDT.") var symbol: String
    @Option(name: .customLong("exit-price"), help: "The price it was sold at on the exchange.") var exitPrice: String
    @Option(help: "The fee paid for the sale, in quote currency.") var fee: String = "0"
    @Option(help: "Why; recorded in risk_events and the audit log.") var reason: String
    @Option(help: "The trading session (default: the open one of --mode).") var session: Int64?
    @Option(help: "paper or live: whose open session (default KEELSON_MODE, else paper).") var mode: String?
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            guard let price = Decimal(string: exitPrice, locale: Locale(identifier: "en_US_POSIX")), price > 0,
                exitPrice.allSatisfy({ $0.isNumber || $0 == "." })
            else {
                throw CLIError("--exit-price \(exitPrice) is not a price; expected a positive decimal such as 67250.5")
            }
            guard let feeValue = Decimal(string: fee, locale: Locale(identifier: "en_US_POSIX")), feeValue >= 0,
                fee.allSatisfy({ $0.isNumber || $0 == "." })
            else {
                throw CLIError("--fee \(fee) is not a fee; expected a decimal ≥ 0 such as 0.67")
            }
            let reason = try ManualCloseOptions.requiredReason(reason)
            let symbol = symbol.uppercased()
            let mode = try ManualCloseOptions.mode(mode)
            let result = try await database.withClient { client, _ in
                let repository = PostgresTradingRepository(client: client, logger: CLILogger.quiet)
                let target = try await repository.sessionForManualChange(session, mode: mode)
                return try await repository.closeManually(
                    session: target, symbol: symbol, price: price, fee: feeValue, reason: reason, actor: APIKeyCommand.actor)
            }
            guard let result else {
                throw CLIError(
                    "the session holds no position in \(symbol); `keelson positions` (or `keelson db query \"SELECT * FROM positions\"`) lists them")
            }
            print("recorded: sold \(result.quantity) \(result.symbol) at \(result.exitPrice), PnL \(result.pnl.rounded(scale: 8))")
            print(
                "cash \(result.cash.rounded(scale: 8)) · equity \(result.equity.rounded(scale: 8))\(result.canceledOrders > 0 ? " · \(result.canceledOrders) working orders canceled" : "")"
            )
            print("start the engine again: it recovers from this state")
        }
    }
}

/// `keelson db emergency-close-all`: with the engine down, record every position of a session closed at its last
/// price, cancel every working order, and stop the session.
struct EmergencyCloseAllCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emergency-close-all",
        abstract: "Engine down: record every position of a session closed at its last known price, cancel working orders, stop the session."
    )

    @Option(help: "The trading session.") var session: Int64
    @Option(help: "Why; recorded in risk_events and the audit log.") var reason: String = "emergency close-all by hand"
    @Flag(help: "Do not ask for confirmation (required when not on a terminal).") var yes = false
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let reason = try ManualCloseOptions.requiredReason(reason)
            try await database.withClient { client, _ in
                let repository = PostgresTradingRepository(client: client, logger: CLILogger.quiet)
                let target = try await repository.sessionForManualChange(session, mode: "paper")
                if target.mode == "live" {
                    print(
                        "live session: this records the closes in the database only — it sends nothing to the exchange. Close the positions there first."
                    )
                }
                try Confirmation.require(
                    yes: yes, question: "Record every position of session \(target.id) as closed at its last price and stop the session?")
                let results = try await repository.emergencyCloseAll(session: target, reason: reason, actor: APIKeyCommand.actor)
                for result in results {
                    print("recorded: sold \(result.quantity) \(result.symbol) at \(result.exitPrice), PnL \(result.pnl.rounded(scale: 8))")
                }
                print(
                    "session \(target.id): \(results.count) positions recorded closed, working orders canceled, trading stopped; cash \(results.last.map { "\($0.cash.rounded(scale: 8))" } ?? "unchanged")"
                )
                print("the engine resumes this session stopped: `keelson trading enable --reason …` once you are ready")
            }
        }
    }
}

enum ManualCloseOptions {
    static func requiredReason(_ reason: String) throws(CLIError) -> String {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw CLIError("--reason is empty; say why, it is recorded in risk_events and the audit log") }
        return String(trimmed.prefix(500))
    }

    static func mode(_ given: String?) throws(CLIError) -> String {
        let mode = (given ?? ProcessInfo.processInfo.environment["KEELSON_MODE"] ?? "paper").lowercased()
        guard ["paper", "live"].contains(mode) else { throw CLIError("--mode \(mode) is not allowed; expected paper or live") }
        return mode
    }
}
