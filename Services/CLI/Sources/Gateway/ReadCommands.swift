import ArgumentParser
import Foundation

/// The dashboard reads for people at a terminal: positions, orders, trades, performance, risk — through the
/// gateway (viewer key), as a table or, with `--json`, the gateway's JSON as it came.
struct PositionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "positions", abstract: "Open positions of the current session.")
    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var sessions: SessionOptions
    @Flag(help: "Print the gateway's JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let reply = try await gateway.connect().get("/api/v1/trading/positions" + QueryString.make(["session": sessions.session]))
            JSONOutput.printListing(
                reply.body, key: "positions", json: json, empty: "no open positions",
                columns: [
                    ("SYMBOL", "symbol"), ("QUANTITY", "quantity"), ("ENTRY", "average_entry_price"), ("MARK", "mark_price"),
                    ("UNREALIZED", "unrealized_pnl"), ("STOP", "stop_price"), ("TARGET", "take_profit_price"), ("OPENED", "opened_at"),
                ])
        }
    }
}

struct OrdersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "orders", abstract: "Orders of the current session, newest first.")
    @OptionGroup var gateway: GatewayOptions
    @Option(help: "Only this state: new, submitted, partially_filled, filled, canceled, rejected, expired.") var status: String?
    @Option(help: "Only this symbol.") var symbol: String?
    @Option(help: "Only orders of this strategy instance.") var strategy: String?
    @OptionGroup var range: TimeRangeOptions
    @OptionGroup var sessions: SessionOptions
    @Option(help: "How many (1–1000).") var limit = 20
    @Flag(help: "Print the gateway's JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let path =
                "/api/v1/trading/orders"
                + QueryString.make([
                    "status": status, "symbol": symbol, "strategy": strategy, "since": range.since, "until": range.until, "session": sessions.session,
                    "limit": String(limit),
                ])
            let reply = try await gateway.connect().get(path)
            JSONOutput.printListing(
                reply.body, key: "orders", json: json, empty: "no orders",
                columns: [
                    ("ID", "id"), ("CLIENT ORDER ID", "client_order_id"), ("SYMBOL", "symbol"), ("SIDE", "side"), ("QUANTITY", "quantity"),
                    ("STATUS", "status"), ("FILLED", "filled_quantity"), ("PRICE", "average_fill_price"), ("CAUSE", "cause"),
                    ("STRATEGY", "strategy"),
                    ("CREATED", "created_at"),
                ])
        }
    }
}

struct TradesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trades", abstract: "Closed trades of the current session, newest first.")
    @OptionGroup var gateway: GatewayOptions
    @Option(help: "Only this symbol.") var symbol: String?
    @Option(help: "Only trades of this strategy instance.") var strategy: String?
    @OptionGroup var range: TimeRangeOptions
    @OptionGroup var sessions: SessionOptions
    @Option(help: "How many (1–1000).") var limit = 20
    @Flag(help: "Print the gateway's JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let path =
                "/api/v1/trading/trades"
                + QueryString.make([
                    "symbol": symbol, "strategy": strategy, "since": range.since, "until": range.until, "session": sessions.session,
                    "limit": String(limit),
                ])
            let reply = try await gateway.connect().get(path)
            JSONOutput.printListing(
                reply.body, key: "trades", json: json, empty: "no trades",
                columns: [
                    ("ID", "id"), ("SYMBOL", "symbol"), ("QUANTITY", "quantity"), ("ENTRY", "entry_price"), ("EXIT", "exit_price"),
                    ("PNL", "pnl"), ("FEES", "fees"), ("REASON", "exit_reason"), ("STRATEGY", "strategy"), ("EXIT TIME", "exit_time"),
                ])
        }
    }
}

struct PerformanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "performance", abstract: "Total return and today's PnL; PnL, trades, win rate, profit factor and drawdown per period.")
    @OptionGroup var gateway: GatewayOptions
    @Option(help: "daily, weekly or monthly.") var period = "daily"
    @OptionGroup var sessions: SessionOptions
    @Flag(help: "Print the gateway's JSON.") var json = false
    @Flag(help: "One line for the whole session so far: trades, win rate, PnL, open positions, and where to look next.")
    var summary = false

    func validate() throws {
        guard ["daily", "weekly", "monthly"].contains(period) else {
            throw ValidationError("--period \(period) is not allowed; expected daily, weekly or monthly")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let path = "/api/v1/trading/performance" + QueryString.make(["period": period, "session": sessions.session])
            let reply = try await gateway.connect().get(path)
            if json { return JSONOutput.printRaw(reply.body) }
            let periods = JSONOutput.object(reply.body)["periods"] as? [[String: Any]] ?? []
            if summary {
                let positions = JSONOutput.object(try await gateway.connect().get("/api/v1/trading/positions").body)["positions"] as? [Any] ?? []
                return print(Self.summaryLine(periods: periods, openPositions: positions.count))
            }
            let session = JSONOutput.object(reply.body)
            print(
                "session: total return \(JSONOutput.text(session["total_return_percent"]) ?? "0") %, today \(JSONOutput.text(session["daily_pnl"]) ?? "–")")
            if periods.isEmpty { return print("no trades yet") }
            print(
                JSONOutput.table(
                    periods,
                    columns: [
                        ("PERIOD", "period_start"), ("PNL", "pnl"), ("TRADES", "trades"), ("WINS", "wins"), ("WIN RATE", "win_rate"),
                        ("PROFIT FACTOR", "profit_factor"), ("MAX DRAWDOWN %", "max_drawdown_percent"),
                    ]))
        }
    }
}

extension PerformanceCommand {
    static func summaryLine(periods: [[String: Any]], openPositions: Int) -> String {
        let trades = periods.reduce(0) { $0 + (Int(JSONOutput.text($1["trades"]) ?? "") ?? 0) }
        let wins = periods.reduce(0) { $0 + (Int(JSONOutput.text($1["wins"]) ?? "") ?? 0) }
        let pnl = periods.reduce(Decimal(0)) { $0 + (Decimal(string: JSONOutput.text($1["pnl"]) ?? "") ?? 0) }
        let winRate = trades == 0 ? "–" : String(format: "%.0f %%", Double(wins) / Double(trades) * 100)
        let positions = openPositions == 1 ? "1 open position" : "\(openPositions) open positions"
        return
            "so far: \(trades) closed trades, \(wins) won (win rate \(winRate)), realised PnL \(String(format: "%.2f", NSDecimalNumber(decimal: pnl).doubleValue)), "
            + "\(positions) · next: keelson status, keelson trades, keelson performance"
    }
}

struct RiskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "risk", abstract: "Trading state and why, the risk limits, and the latest risk events.")
    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var sessions: SessionOptions
    @Flag(help: "Print the gateway's JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let reply = try await gateway.connect().get("/api/v1/trading/risk" + QueryString.make(["session": sessions.session]))
            if json { return JSONOutput.printRaw(reply.body) }
            let risk = JSONOutput.object(reply.body)
            print("trading \(JSONOutput.text(risk["state"]) ?? "?")\(JSONOutput.text(risk["state_reason"]).map { ": \($0)" } ?? "")")
            if let limits = risk["limits"] as? [String: Any] {
                print(limits.keys.sorted().map { "  \($0): \(JSONOutput.text(limits[$0]) ?? "")" }.joined(separator: "\n"))
            }
            let events = risk["events"] as? [[String: Any]] ?? []
            if !events.isEmpty {
                print(
                    JSONOutput.table(
                        Array(events.prefix(10)), columns: [("TIME", "occurred_at"), ("KIND", "kind"), ("SYMBOL", "symbol"), ("REASON", "reason")]))
            }
        }
    }
}

/// `--since` and `--until` (ISO-8601), checked before anything is asked.
struct TimeRangeOptions: ParsableArguments {
    @Option(help: "Only from this time on (ISO-8601, e.g. 2026-12-05T00:00:00Z).") var since: String?
    @Option(help: "Only before this time (ISO-8601).") var until: String?

    func validate() throws {
        try Self.check("--since", since)
        try Self.check("--until", until)
    }

    static func check(_ option: String, _ value: String?) throws {
        if let value, (try? Date(value, strategy: .iso8601)) == nil {
            throw ValidationError("\(option) \(value) is not a time; expected ISO-8601 such as 2026-12-05T00:00:00Z")
        }
    }
}

/// `--session ID`: an earlier session instead of the current one; orders and trades also take `all`.
struct SessionOptions: ParsableArguments {
    @Option(help: "An earlier session by id (keelson trading status names the current one); orders and trades also take all.")
    var session: String?

    func validate() throws {
        guard let session, session != "all" else { return }
        guard let id = Int64(session), id > 0 else {
            throw ValidationError("--session \(session) is not a session; expected its id (a number) or all")
        }
    }
}

enum QueryString {
    /// `?a=1&b=2` from the values that are set, percent-encoded.
    static func make(_ values: [String: String?]) -> String {
        let allowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))
        let pairs = values.compactMap { key, value in value.map { (key, $0) } }.sorted { $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }
}
