import ArgumentParser
import Foundation

/// `keelson strategies [list|show ID]`: each strategy instance's lifecycle state and results.
struct StrategiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategies", abstract: "Strategy instances: lifecycle state, PnL, win rate, drawdown and execution quality.",
        subcommands: [
            StrategiesListCommand.self, StrategiesShowCommand.self, StrategyPromoteCommand.self, StrategyRetireCommand.self,
            StrategyDisableCommand.self, StrategyEnableCommand.self, StrategyAddCommand.self, StrategyApplyParamsCommand.self,
        ], defaultSubcommand: StrategiesListCommand.self)
}

/// `--period`, `--since`, `--until` for the per-strategy figures, checked before anything is asked.
struct StrategyWindowOptions: ParsableArguments {
    @Option(help: "The window: daily, weekly, monthly (the last 1, 7 or 30 days of market time) or all.") var period = "all"
    @OptionGroup var range: TimeRangeOptions

    func validate() throws {
        guard ["daily", "weekly", "monthly", "all"].contains(period) else {
            throw ValidationError("--period \(period) is not allowed; expected daily, weekly, monthly or all")
        }
    }

    var query: String { QueryString.make(["period": period, "since": range.since, "until": range.until]) }

    /// The figures a table shows, flattened into one row.
    static func row(_ id: String?, _ entry: [String: Any]) -> [String: Any] {
        var row = entry["figures"] as? [String: Any] ?? [:]
        row["id"] = id
        row["status"] = entry["status"]
        if entry["configured"] as? Bool == false, let status = entry["status"] as? String { row["status"] = "\(status), not configured" }
        // Manual lifecycle mode: what the rules would do, beside the state.
        if let recommended = entry["recommendation"] as? String, let status = entry["status"] as? String {
            row["status"] = "\(status) (→ \(recommended)?)"
        }
        row["pnl"] = JSONOutput.text(row["realized_pnl"])
        if let rate = row["win_rate"] as? Double { row["win_rate"] = String(format: "%.1f %%", rate * 100) }
        return row
    }

    static let columns: [(header: String, key: String)] = [
        ("STATUS", "status"), ("TRADES", "trades"), ("WIN RATE", "win_rate"), ("PNL", "pnl"), ("UNREALIZED", "unrealized_pnl"),
        ("FEES", "fees"), ("PROFIT FACTOR", "profit_factor"), ("SHARPE", "sharpe"), ("MAX DD %", "max_drawdown_percent"),
        ("SLIPPAGE BPS", "average_slippage_bps"),
    ]
}

struct StrategiesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every instance, with the portfolio's totals.")
    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var window: StrategyWindowOptions
    @Flag(help: "Print the gateway's JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let reply = try await gateway.connect().get("/api/v1/trading/strategies" + window.query)
            if json { return JSONOutput.printRaw(reply.body) }
            let body = JSONOutput.object(reply.body)
            let strategies = body["strategies"] as? [[String: Any]] ?? []
            if strategies.isEmpty { return print("no strategy instances recorded yet") }
            var rows = strategies.map { StrategyWindowOptions.row($0["id"] as? String, $0) }
            rows.append(StrategyWindowOptions.row("(total)", ["figures": body["totals"] ?? [:]]))
            print(JSONOutput.table(rows, columns: [("ID", "id")] + StrategyWindowOptions.columns))
        }
    }
}

struct StrategiesShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One instance: its state, configuration and results per symbol.")
    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var window: StrategyWindowOptions
    @Argument(help: "The instance id (keelson strategies list).") var id: String
    @Flag(help: "Print the gateway's JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let reply = try await gateway.connect().get("/api/v1/trading/strategies/\(id)" + window.query)
            if json { return JSONOutput.printRaw(reply.body) }
            let entry = JSONOutput.object(reply.body)
            let parameters = (entry["parameters"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }
                .map { "\($0.key)=\(JSONOutput.text($0.value) ?? "")" }.joined(separator: " ")
            print("\(id): \(JSONOutput.text(entry["strategy"]) ?? "not configured") \(parameters)")
            print("  status: \(JSONOutput.text(entry["status"]) ?? "none") — \(JSONOutput.text(entry["status_reason"]) ?? "")")
            if let recommended = JSONOutput.text(entry["recommendation"]) {
                print("  the rules recommend: \(recommended) — \(JSONOutput.text(entry["recommendation_reason"]) ?? "")")
            }
            if let shadow = entry["shadow_figures"] as? [String: Any], !shadow.isEmpty {
                let figures = shadow.sorted { $0.key < $1.key }.map { "\($0.key)=\(JSONOutput.text($0.value) ?? "")" }.joined(separator: " ")
                print("  shadow book (a candidate trades on paper only): \(figures)")
            }
            let bySymbol = (entry["by_symbol"] as? [[String: Any]] ?? []).map { symbol in
                var row = StrategyWindowOptions.row(nil, symbol)
                row["symbol"] = symbol["symbol"]
                return row
            }
            var total = StrategyWindowOptions.row(nil, ["figures": entry["figures"] ?? [:]])
            total["symbol"] = "(all)"
            print(JSONOutput.table(bySymbol + [total], columns: [("SYMBOL", "symbol")] + StrategyWindowOptions.columns.dropFirst()))
            let history = entry["history"] as? [[String: Any]] ?? []
            if !history.isEmpty {
                print("\nlifecycle, newest first:")
                print(
                    JSONOutput.table(
                        history,
                        columns: [("TIME", "occurred_at"), ("FROM", "from_status"), ("TO", "to_status"), ("BY", "actor"), ("REASON", "reason")]))
            }
        }
    }
}

/// `keelson execution`: how far from the decision price fills came and how long they took, by instance and symbol.
struct ExecutionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "execution", abstract: "Execution quality: slippage (bps) and latency (ms) of fills by strategy instance and symbol.")
    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var range: TimeRangeOptions
    @Flag(help: "Print the gateway's JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let reply = try await gateway.connect().get("/api/v1/trading/execution" + QueryString.make(["since": range.since, "until": range.until]))
            JSONOutput.printListing(
                reply.body, key: "rows", json: json, empty: "no fills",
                columns: [
                    ("STRATEGY", "strategy"), ("SYMBOL", "symbol"), ("FILLS", "fills"), ("AVG SLIPPAGE BPS", "average_slippage_bps"),
                    ("WORST BPS", "worst_slippage_bps"), ("AVG LATENCY MS", "average_latency_ms"), ("P95 LATENCY MS", "p95_latency_ms"),
                    ("FEES", "fees"),
                ])
        }
    }
}

/// `keelson capital`: how the capital limit is split across strategy instances, as last computed.
struct CapitalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capital", abstract: "The capital limit's split across strategy instances (share, amount), as last computed.")
    @OptionGroup var gateway: GatewayOptions
    @Flag(help: "Print the gateway's JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let reply = try await gateway.connect().get("/api/v1/trading/capital")
            if json { return JSONOutput.printRaw(reply.body) }
            let body = JSONOutput.object(reply.body)
            let rows = (body["allocations"] as? [[String: Any]] ?? []).map { row in
                var row = row
                if let share = row["share"] as? Double { row["share"] = String(format: "%.1f %%", share * 100) }
                row["sharpe"] = (row["inputs"] as? [String: Any])?["sharpe"]
                return row
            }
            if rows.isEmpty { return print("no allocation computed yet (the signal service computes one after each lifecycle evaluation)") }
            print(
                "computed \(JSONOutput.text(body["computed_at"]) ?? "?"): \(JSONOutput.text(body["allocated"]) ?? "?") of "
                    + "\(JSONOutput.text(body["capital_limit"]) ?? "?") allocated")
            print(
                JSONOutput.table(
                    rows, columns: [("ID", "instance"), ("STATUS", "status"), ("SHARE", "share"), ("AMOUNT", "amount"), ("SHARPE", "sharpe")]))
        }
    }
}
