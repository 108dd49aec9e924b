import ArgumentParser
import AsyncHTTPClient
import Foundation
import KeelsonExchanges
import KeelsonServiceKit

/// `keelson live sync-balance`: what the Binance account holds and works next to what the live session's books
/// say — balances against the engine's cash and positions, open orders against working orders — with every
/// difference in one sentence. It reads the database and asks the exchange with the engine's own settings
/// (`KEELSON_BINANCE_*`); it changes nothing. The engine settles its orders itself when it starts; a position
/// closed by hand is recorded with `keelson db close-position`.
struct SyncBalanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync-balance",
        abstract:
            "Compare the Binance account with the live session's books (balances vs cash and positions, open orders vs working orders); exit 1 when they differ.",
        discussion: """
            Exit codes: 0 in sync, 1 differences found, 2 the comparison could not be made (settings, database, exchange).
            The exchange connection comes from KEELSON_BINANCE_BASE_URL, KEELSON_BINANCE_API_KEY and KEELSON_BINANCE_API_SECRET
            (or KEELSON_BINANCE_SECRETS_FILE), as for the engine.
            """
    )

    @Option(help: "The live trading session (default: the open one).") var session: Int64?
    @Flag(help: "Print the comparison as JSON.") var json = false
    @OptionGroup var database: DatabaseOptions

    struct Report: Encodable {
        var sessionID: Int64
        var exchange: String
        var comparison: AccountComparison

        enum CodingKeys: String, CodingKey { case exchange, comparison; case sessionID = "session_id" }
    }

    func run() async throws {
        try await reportingErrors {
            let connection: BinanceConnectionSettings
            do {
                connection = try BinanceConnectionSettings.load()
            } catch {
                throw CLIError(String(describing: error), exitCode: 2)
            }
            let session = self.session
            let books: LiveSessionBooks
            do {
                books = try await database.withClient { client, _ in
                    try await LiveSessionBooks.read(session: session, client: client, logger: CLILogger.quiet)
                }
            } catch let error as CLIError {
                throw CLIError(error.message, exitCode: 2)
            }
            let client = BinanceRESTClient(
                baseURL: connection.baseURL, credentials: connection.credentials, httpClient: .shared, timeout: connection.timeout,
                logger: CLILogger.quiet
            )
            let comparison: AccountComparison
            do {
                comparison = try await BinanceAccountReconciler(client: client).compare(with: books.books)
            } catch let error as BinanceError {
                throw CLIError("cannot compare with the account: \(error)", exitCode: 2)
            }
            let report = Report(sessionID: books.sessionID, exchange: connection.baseURL, comparison: comparison)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(Self.text(report))
            }
            if !comparison.inSync { throw ExitCode(1) }
        }
    }

    static func text(_ report: Report) -> String {
        let comparison = report.comparison
        let verdict = comparison.inSync ? "in sync" : "\(comparison.differences.count) difference\(comparison.differences.count == 1 ? "" : "s")"
        var sections = ["live session \(report.sessionID) · \(report.exchange) · \(verdict)"]
        sections.append(
            TableFormatter.render(
                header: ["ASSET", "FREE", "LOCKED", "KEELSON", "STATUS"],
                rows: comparison.balances.map { balance in
                    let status: String =
                        switch balance.books {
                        case nil: "not in the books"
                        case let needed? where balance.shortfall > 0: "short by \(balance.shortfall) (books \(needed))"
                        case let needed?: balance.total > needed ? "ok (\(balance.total - needed) not traded by Keelson)" : "ok"
                        }
                    return [balance.asset, balance.free.description, balance.locked.description, balance.books?.description, status]
                }
            ))
        sections.append(
            comparison.openOrders.isEmpty
                ? "open orders on the exchange: none"
                : "open orders on the exchange:\n"
                    + TableFormatter.render(
                        header: ["CLIENT ORDER ID", "SYMBOL", "SIDE", "TYPE", "QUANTITY", "EXECUTED", "IN THE BOOKS"],
                        rows: comparison.openOrders.map {
                            [
                                $0.clientOrderId, $0.symbol, $0.side, $0.type, $0.quantity.description, $0.executed.description,
                                $0.knownToKeelson ? "yes" : "no",
                            ]
                        }
                    ))
        sections.append(
            comparison.workingOrders.isEmpty
                ? "working orders in the books: none"
                : "working orders in the books:\n"
                    + TableFormatter.render(
                        header: ["CLIENT ORDER ID", "SYMBOL", "RECORDED", "EXCHANGE STATUS", "EXCHANGE EXECUTED"],
                        rows: comparison.workingOrders.map {
                            [$0.clientOrderId, $0.symbol, $0.recorded.description, $0.exchangeStatus, $0.exchangeExecuted?.description]
                        }
                    ))
        if !comparison.differences.isEmpty {
            sections.append("differences:\n" + comparison.differences.map { "  \($0.kind.rawValue): \($0.detail)" }.joined(separator: "\n"))
            sections.append("what to do: docs/RUNBOOK.md, \"Unexpected balance difference\"")
        }
        return sections.joined(separator: "\n\n")
    }
}
