import ArgumentParser
import AsyncHTTPClient
import Foundation
import KeelsonServiceKit
import Logging
import NIOCore
import NIOHTTP1

/// `keelson trading …`: what the engine is doing, and the controls an on-call engineer needs.
struct TradingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trading",
        abstract: "The engine's session and portfolio, and the trading controls (each needs a reason, each is idempotent).",
        subcommands: [TradingStatusCommand.self, TradingControlCommand.Halt.self, TradingControlCommand.Resume.self,
                      TradingControlCommand.StopEntries.self, TradingControlCommand.CloseAll.self]
    )
}

/// The engine as the CLI reaches it: `KEELSON_ENGINE_URL` and the inter-service token (environment, else the
/// file `make run` wrote).
struct EngineConnection {
    let client: ServiceClient

    static func open(timeout: Int) throws(CLIError) -> EngineConnection {
        let environment = EnvironmentReader()
        do {
            let urls = try ServiceURLs.load(from: environment)
            let tokens = try InternalTokens.load(from: environment)
            var logger = Logger(label: "keelson")
            logger.logLevel = .critical
            return EngineConnection(client: ServiceClient(
                service: .engine, baseURL: urls[.engine], token: tokens.outgoing, httpClient: HTTPClient.shared,
                timeout: .seconds(timeout), logger: logger
            ))
        } catch {
            throw CLIError(error.description)
        }
    }

    /// GET or POST; a non-2xx answer becomes its `detail` sentence.
    func call<Result: Decodable>(_ method: HTTPMethod, _ path: String, body: [String: String]? = nil, as type: Result.Type) async throws -> Result {
        let response: ServiceClient.RawResponse
        do {
            let data = try body.map { try JSONCoding.encoder.encode($0) }
            response = try await client.send(method, path, body: data.map { .init(data: $0) }, idempotent: method == .GET)
        } catch let error as ServiceClientError {
            throw CLIError("\(error.description) (is it running? `make run`; KEELSON_ENGINE_URL says where)")
        }
        guard (200..<300).contains(response.status) else {
            let detail = (try? JSONCoding.decoder.decode(APIError.Body.self, from: response.body))?.detail ?? String(buffer: response.body)
            throw CLIError("the engine answered \(response.status): \(detail)")
        }
        do {
            return try JSONCoding.decoder.decode(type, from: response.body)
        } catch {
            throw CLIError("the engine's answer to \(path) could not be read: \(error)")
        }
    }
}

struct TradingStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Session, trading state, equity, drawdown and open positions.")

    @Option(help: "Seconds to wait for the engine.") var timeout = 5

    struct Portfolio: Decodable {
        struct Position: Decodable {
            var symbol: String
            var quantity: String
            var average_entry_price: String
            var mark_price: String?
            var unrealized_pnl: String?
            var stop_price: String?
        }

        var session_id: Int64
        var status: String
        var cash: String
        var equity: String
        var drawdown_percent: String
        var realized_pnl: String
        var positions: [Position]
    }

    struct Session: Decodable {
        var mode: String
        var status_reason: String?
    }

    func run() async throws {
        try await reportingErrors {
            let engine = try EngineConnection.open(timeout: timeout)
            let session = try await engine.call(.GET, "/api/v1/session", as: Session.self)
            let portfolio = try await engine.call(.GET, "/api/v1/portfolio", as: Portfolio.self)
            let reason = session.status_reason.map { " (\($0))" } ?? ""
            print("session \(portfolio.session_id) · \(session.mode) · \(portfolio.status)\(reason)")
            print("equity \(portfolio.equity) · cash \(portfolio.cash) · realized \(portfolio.realized_pnl) · drawdown \(portfolio.drawdown_percent) %")
            if portfolio.positions.isEmpty { print("no open positions") }
            for position in portfolio.positions {
                print("  \(position.symbol) \(position.quantity) @ \(position.average_entry_price), mark \(position.mark_price ?? "-"), unrealized \(position.unrealized_pnl ?? "-"), stop \(position.stop_price ?? "-")")
            }
        }
    }
}

/// What every control takes.
struct TradingControlOptions: ParsableArguments {
    @Option(help: "Why; recorded in risk_events.") var reason: String
    @Option(help: "Seconds to wait for the engine.") var timeout = 10
}

enum TradingControlCommand {
    struct Answer: Decodable {
        var state: String
        var changed: Bool
        var detail: String
    }

    static func run(_ control: String, _ options: TradingControlOptions) async throws {
        let engine = try EngineConnection.open(timeout: options.timeout)
        let answer = try await engine.call(.POST, "/internal/v1/trading/\(control)", body: ["reason": options.reason], as: Answer.self)
        print("\(answer.state)\(answer.changed ? "" : " (unchanged)"): \(answer.detail)")
    }

    struct Halt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "halt",
            abstract: "The kill switch: state `stopped`, working orders canceled, nothing sent (stops included) until resume.",
            aliases: ["disable"]
        )
        @OptionGroup var options: TradingControlOptions
        func run() async throws { try await reportingErrors { try await TradingControlCommand.run("halt", options) } }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume",
            abstract: "Back to `active`; drawdown and daily loss are measured again from current equity.",
            aliases: ["enable"]
        )
        @OptionGroup var options: TradingControlOptions
        func run() async throws { try await reportingErrors { try await TradingControlCommand.run("resume", options) } }
    }

    struct StopEntries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stop-entries", abstract: "State `halted`: no new entries; exits and stops keep running.")
        @OptionGroup var options: TradingControlOptions
        func run() async throws { try await reportingErrors { try await TradingControlCommand.run("stop-entries", options) } }
    }

    struct CloseAll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "close-all", abstract: "Sell every position at the next price seen, and halt new entries.")
        @OptionGroup var options: TradingControlOptions
        func run() async throws { try await reportingErrors { try await TradingControlCommand.run("close-all", options) } }
    }
}
