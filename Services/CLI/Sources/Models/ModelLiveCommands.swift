import ArgumentParser
import Foundation

/// `keelson model live ID`: what a served version does live, from the signal service through the gateway.
struct ModelLiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "A served version's live hit rate and each feature's drift (PSI), per strategy instance and symbol, through the gateway.")
    @OptionGroup var gateway: GatewayOptions
    @Argument(help: "The version's id (keelson model list).") var id: Int64
    @Flag(help: "Print the gateway's JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            guard id > 0 else { throw CLIError("the model id must be a whole number above 0 (keelson model list)", exitCode: 2) }
            let reply = try await gateway.connect().get("/api/v1/models/\(id)")
            if json { return JSONOutput.printRaw(reply.body) }
            let detail = JSONOutput.object(reply.body)
            let model = detail["model"] as? [String: Any] ?? [:]
            let served = (model["served"] as? Bool) == true
            print("model \(id) (\(JSONOutput.text(model["name"]) ?? "?") v\(JSONOutput.text(model["version"]) ?? "?")): \(JSONOutput.text(model["state"]) ?? "?"), \(served ? "served" : "not served")")
            if let refused = model["refused"] as? String { print("refused: \(refused)") }
            let live = detail["live"] as? [[String: Any]] ?? []
            guard !live.isEmpty else {
                return print("no live figures: no strategy instance has traded on this version on the replica that answered")
            }
            var rows: [[String: Any]] = []
            for entry in live {
                for feature in entry["features"] as? [[String: Any]] ?? [] {
                    let psi = (feature["psi"] as? NSNumber)?.doubleValue
                    rows.append([
                        "strategy": entry["strategy"] ?? "", "symbol": entry["symbol"] ?? "", "hit_rate": entry["hit_rate"] ?? NSNull(),
                        "resolved": entry["resolved"] ?? 0, "feature": feature["name"] ?? "", "psi": feature["psi"] ?? NSNull(),
                        "observed": feature["observed"] ?? 0, "verdict": psi.map { $0 > 0.25 ? "drifted" : $0 > 0.1 ? "moved" : "stable" } ?? "too few values",
                    ])
                }
            }
            print(
                JSONOutput.table(
                    rows,
                    columns: [
                        ("STRATEGY", "strategy"), ("SYMBOL", "symbol"), ("HIT RATE", "hit_rate"), ("RESOLVED", "resolved"), ("FEATURE", "feature"),
                        ("PSI", "psi"), ("VALUES", "observed"), ("VERDICT", "verdict"),
                    ]))
            let metrics = detail["metrics"] as? [String: Any]
            if let test = metrics?["test"] as? [String: Any], let hitRate = JSONOutput.text(test["hit_rate"]) {
                print("test hit rate when trained: \(hitRate)")
            }
        }
    }
}

/// `keelson model analyze`: a model's probability for a symbol now and the features behind it, through the gateway.
struct ModelAnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze", abstract: "A model's probability for a symbol at its newest stored bar, with the features behind it, through the gateway.")
    @OptionGroup var gateway: GatewayOptions
    @Option(help: "A model name (its active version) or a version id.") var model: String
    @Option(help: "The symbol, e.g. BTCUSDT.") var symbol: String
    @Option(help: "The candle interval (default 1m).") var interval: String?
    @Option(help: "The exchange the candles are stored under (default: the one they last arrived from).") var exchange: String?
    @Flag(help: "Print the gateway's JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            var body: [String: any Sendable] = ["symbol": symbol]
            body["model"] = Int64(model).map { $0 as any Sendable } ?? model
            if let interval { body["interval"] = interval }
            if let exchange { body["exchange"] = exchange }
            let connection = try gateway.connect()
            let reply = try await connection.send(.POST, "/api/v1/analyze", body: body)
            try GatewayConnection.requireSuccess(reply, path: "/api/v1/analyze")
            if json { return JSONOutput.printRaw(reply.body) }
            let analysis = JSONOutput.object(reply.body)
            let version = analysis["model"] as? [String: Any] ?? [:]
            print(
                "model \(JSONOutput.text(version["id"]) ?? "?") (\(JSONOutput.text(version["name"]) ?? "?") v\(JSONOutput.text(version["version"]) ?? "?"), "
                    + "\(JSONOutput.text(version["label"]) ?? "?")) on \(JSONOutput.text(analysis["exchange"]) ?? "?") \(JSONOutput.text(analysis["symbol"]) ?? "?") "
                    + "\(JSONOutput.text(analysis["interval"]) ?? "?") at \(JSONOutput.text(analysis["bar_time"]) ?? "?"): probability \(JSONOutput.text(analysis["probability"]) ?? "?")")
            print(
                JSONOutput.table(
                    analysis["features"] as? [[String: Any]] ?? [], columns: [("FEATURE", "name"), ("VALUE", "value"), ("STANDARDISED", "standardized")]))
        }
    }
}
