import ArgumentParser
import Foundation

/// `keelson signals`: the newest signals the strategies produced, through the gateway (viewer key).
struct SignalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "signals", abstract: "The newest signals, filtered by symbol, strategy or time.")
    @OptionGroup var gateway: GatewayOptions
    @Option(help: "Only this symbol.") var symbol: String?
    @Option(help: "Only this strategy instance (its id in config/strategies.json).") var strategy: String?
    @Option(help: "Only signals made at or after this time (ISO-8601).") var since: String?
    @Option(help: "How many (1–1000).") var limit = 20
    @Flag(help: "Print the gateway's JSON.") var json = false

    func validate() throws {
        guard (1...1_000).contains(limit) else { throw ValidationError("--limit \(limit) is not allowed; expected 1 to 1000") }
        try TimeRangeOptions.check("--since", since)
    }

    func run() async throws {
        try await reportingErrors {
            let query = QueryString.make(["symbol": symbol, "strategy": strategy, "since": since, "limit": String(limit)])
            let reply = try await gateway.connect().get("/api/v1/signals" + query)
            JSONOutput.printListing(
                reply.body, key: "signals", json: json, empty: "no signals",
                columns: [
                    ("ID", "id"), ("STRATEGY", "strategy"), ("SYMBOL", "symbol"), ("SIDE", "side"), ("PRICE", "price"), ("BAR", "bar_time"),
                    ("REASON", "reason"),
                ])
        }
    }
}

/// `keelson market providers|symbols`: what the collector takes candles from, and the symbols it stores.
struct MarketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "market", abstract: "Market data: the providers (primary, backup, breaker) and the symbols collected.",
        subcommands: [MarketProvidersCommand.self, MarketSymbolsCommand.self])
}

struct MarketProvidersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers", abstract: "Each provider: role, status, whether it is active, its breaker.")
    @OptionGroup var gateway: GatewayOptions
    @Flag(help: "Print the gateway's JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let reply = try await gateway.connect().get("/api/v1/market/providers")
            JSONOutput.printListing(
                reply.body, key: "providers", json: json, empty: "no providers reported",
                columns: [
                    ("PROVIDER", "provider"), ("ROLE", "role"), ("EXCHANGE", "exchange"), ("STATUS", "status"), ("ACTIVE", "active"),
                    ("SYMBOLS", "symbols"), ("BREAKER", "breaker_state"),
                ]
            ) { provider in
                var row = provider
                row["breaker_state"] = (provider["breaker"] as? [String: Any])?["state"]
                row["symbols"] = (provider["active_symbols"] as? [String])?.joined(separator: ",")
                return row
            }
        }
    }
}

struct MarketSymbolsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "symbols", abstract: "The symbols collected and their newest stored candle.")
    @OptionGroup var gateway: GatewayOptions
    @Flag(help: "Print the gateway's JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let reply = try await gateway.connect().get("/api/v1/market/symbols")
            JSONOutput.printListing(
                reply.body, key: "symbols", json: json, empty: "no symbols collected",
                columns: [("SYMBOL", "symbol"), ("INTERVAL", "interval"), ("EXCHANGE", "exchange"), ("NEWEST CANDLE", "last_candle_time")])
        }
    }
}
