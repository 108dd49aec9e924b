import ArgumentParser
import AsyncHTTPClient
import Foundation
import KeelsonServiceKit
import Logging
import NIOCore
import NIOHTTP1

/// `keelson trading …`: what the engine is doing, and the controls an on-call engineer needs — through the
/// gateway (an operator key; close-all needs admin), so each is in the audit log; `--direct` reaches the engine
/// itself with the inter-service token for when the gateway is down.
struct TradingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trading",
        abstract: "The engine's session and portfolio, and the trading controls (each needs a reason, each is idempotent).",
        subcommands: [
            TradingStatusCommand.self, TradingControlCommand.Disable.self, TradingControlCommand.Enable.self,
            TradingControlCommand.StopEntries.self, TradingControlCommand.CloseAll.self, TradingControlCommand.Maintenance.self,
        ]
    )
}

/// The engine as the CLI reaches it without the gateway: `KEELSON_ENGINE_URL` and the inter-service token
/// (environment, else the file `make run` wrote).
struct EngineConnection {
    let client: ServiceClient

    static func open(timeout: Int) throws(CLIError) -> EngineConnection {
        let environment = EnvironmentReader()
        do {
            let urls = try ServiceURLs.load(from: environment)
            let tokens = try InternalTokens.load(from: environment)
            var logger = Logger(label: "keelson")
            logger.logLevel = .critical
            return EngineConnection(
                client: ServiceClient(
                    service: .engine, baseURL: urls[.engine], token: tokens.outgoing, httpClient: HTTPClient.shared,
                    timeout: .seconds(timeout), logger: logger
                ))
        } catch {
            throw CLIError(error.description)
        }
    }

    /// GET or POST; a non-2xx answer becomes its `detail` sentence.
    func call<Result: Decodable>(_ method: HTTPMethod, _ path: String, body: [String: String]? = nil, as type: Result.Type) async throws -> Result {
        try await callData(method, path, body: try body.map { try JSONCoding.encoder.encode($0) }, as: type)
    }

    /// POST with a body of mixed JSON values (e.g. a flag beside the reason).
    func callJSON<Result: Decodable>(_ method: HTTPMethod, _ path: String, body: [String: any Sendable], as type: Result.Type) async throws -> Result
    {
        try await callData(method, path, body: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]), as: type)
    }

    private func callData<Result: Decodable>(_ method: HTTPMethod, _ path: String, body data: Data?, as type: Result.Type) async throws -> Result {
        let response: ServiceClient.RawResponse
        do {
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

    @OptionGroup var gateway: GatewayOptions
    @Flag(help: "Ask the engine itself (inter-service token) instead of the gateway.") var direct = false

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
        var daily_pnl: String?
        var total_return_percent: String
        var positions: [Position]
    }

    struct Session: Decodable {
        var mode: String
        var status_reason: String?
    }

    func run() async throws {
        try await reportingErrors {
            let session: Session
            let portfolio: Portfolio
            if direct {
                let engine = try EngineConnection.open(timeout: gateway.timeout)
                session = try await engine.call(.GET, "/api/v1/session", as: Session.self)
                portfolio = try await engine.call(.GET, "/api/v1/portfolio", as: Portfolio.self)
            } else {
                let connection = try gateway.connect()
                session = try await connection.call(.GET, "/api/v1/trading/session", as: Session.self)
                portfolio = try await connection.call(.GET, "/api/v1/trading/portfolio", as: Portfolio.self)
            }
            let reason = session.status_reason.map { " (\($0))" } ?? ""
            print("session \(portfolio.session_id) · \(session.mode) · \(portfolio.status)\(reason)")
            print(
                "equity \(portfolio.equity) · cash \(portfolio.cash) · realized \(portfolio.realized_pnl) · today \(portfolio.daily_pnl ?? "-") · "
                    + "return \(portfolio.total_return_percent) % · drawdown \(portfolio.drawdown_percent) %")
            if portfolio.positions.isEmpty { print("no open positions") }
            for position in portfolio.positions {
                print(
                    "  \(position.symbol) \(position.quantity) @ \(position.average_entry_price), mark \(position.mark_price ?? "-"), unrealized \(position.unrealized_pnl ?? "-"), stop \(position.stop_price ?? "-")"
                )
            }
        }
    }
}

/// What every control takes.
struct TradingControlOptions: ParsableArguments {
    @Option(help: "Why; recorded in the audit log and in risk_events.") var reason: String
    @Flag(
        help:
            "Send it to the engine itself (inter-service token) when the gateway is down; the engine still records it in risk_events, the gateway's audit log does not see it."
    )
    var direct = false
    @OptionGroup var gateway: GatewayOptions
}

enum TradingControlCommand {
    struct Answer: Decodable {
        var state: String
        var changed: Bool
        var detail: String
    }

    /// Sends a control through the gateway (`gatewayPath` under /api/v1/admin) or, with `--direct`, to the engine.
    static func run(gatewayPath: String, engineControl: String, _ options: TradingControlOptions, extra: [String: any Sendable] = [:]) async throws {
        var body: [String: any Sendable] = ["reason": options.reason]
        for (key, value) in extra { body[key] = value }
        let answer: Answer
        if options.direct {
            let engine = try EngineConnection.open(timeout: options.gateway.timeout)
            answer = try await engine.callJSON(.POST, "/internal/v1/trading/\(engineControl)", body: body, as: Answer.self)
        } else {
            answer = try await options.gateway.connect().call(.POST, "/api/v1/admin/\(gatewayPath)", body: body, as: Answer.self)
        }
        print("\(answer.state)\(answer.changed ? "" : " (unchanged)"): \(answer.detail)")
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disable",
            abstract: "The kill switch: state `stopped`, working orders canceled, nothing sent (stops included) until enable.",
            aliases: ["halt"]
        )
        @OptionGroup var options: TradingControlOptions
        func run() async throws {
            try await reportingErrors { try await TradingControlCommand.run(gatewayPath: "trading/disable", engineControl: "halt", options) }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enable",
            abstract: "Back to `active`; drawdown and daily loss are measured again from current equity.",
            aliases: ["resume"]
        )
        @OptionGroup var options: TradingControlOptions
        func run() async throws {
            try await reportingErrors { try await TradingControlCommand.run(gatewayPath: "trading/enable", engineControl: "resume", options) }
        }
    }

    struct StopEntries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stop-entries", abstract: "State `halted`: no new entries; exits and stops keep running.")
        @OptionGroup var options: TradingControlOptions
        func run() async throws {
            try await reportingErrors {
                try await TradingControlCommand.run(gatewayPath: "trading/stop-entries", engineControl: "stop-entries", options)
            }
        }
    }

    struct CloseAll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "close-all",
            abstract: "Sell every position at the next price seen, and halt new entries (asks first unless --yes; needs an admin key)."
        )
        @OptionGroup var options: TradingControlOptions
        @Flag(help: "Do not ask for confirmation (required when not on a terminal).") var yes = false

        func run() async throws {
            try await reportingErrors {
                try Confirmation.require(yes: yes, question: "Close every open position at the next price and halt new entries?")
                try await TradingControlCommand.run(gatewayPath: "trading/close-all-positions", engineControl: "close-all", options)
            }
        }
    }

    struct Maintenance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "maintenance",
            abstract: "on: orders in flight, exits and stops carry on, new entries are refused; off: back to active if maintenance halted it."
        )
        enum Switch: String, ExpressibleByArgument, CaseIterable { case on, off }
        @Argument(help: "on or off.") var state: Switch
        @OptionGroup var options: TradingControlOptions

        func run() async throws {
            try await reportingErrors {
                try await TradingControlCommand.run(
                    gatewayPath: "maintenance", engineControl: "maintenance", options, extra: ["enabled": state == .on])
            }
        }
    }
}
