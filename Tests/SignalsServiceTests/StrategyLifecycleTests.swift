import Foundation
import Hummingbird
import HummingbirdTesting
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonStrategies
import KeelsonTestSupport
import PostgresNIO
import SignalsService
import Testing

@Suite("Strategy lifecycle: which signals trade, changed without a restart")
struct StrategyLifecycleTests {
    typealias S = SignalServiceTests

    static func instances() throws -> [StrategyInstance] {
        let json = """
            {"strategies": [
              {"id": "goog_sma", "strategy": "sma_crossover", "symbols": ["GOOG"], "interval": "1d", "parameters": {"fast": 10, "slow": 30}},
              {"id": "goog_macd", "strategy": "macd_trend", "symbols": ["GOOG"], "interval": "1d", "lifecycle": "candidate"}
            ]}
            """
        return try StrategiesFile.parse(Data(json.utf8), source: "test.json")
    }

    static func lifecycle(_ id: String, _ body: String, client: some TestClientProtocol) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: "/internal/v1/strategies/\(id)/lifecycle", method: .post, headers: S.auth, body: ByteBuffer(string: body)) {
            ($0.status, String(buffer: $0.body))
        }
    }

    static func status(_ id: String, client: some TestClientProtocol) async throws -> String? {
        try await client.execute(uri: "/api/v1/strategies", method: .get) { response in
            let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
            return (body?["strategies"] as? [[String: Any]])?.first { $0["id"] as? String == id }?["status"] as? String
        }
    }

    /// A signal service on a fresh database with `instances()`, its first 300 GOOG bars pushed; `body` gets the
    /// service, the database and the candles; `afterwards` runs once that service has stopped (a restart on the same database).
    static func withWarmService(
        _ body:
            @Sendable (
                _ client: any TestClientProtocol, _ postgres: PostgresClient, _ store: PostgresCandleStore, _ candles: [Candle], _ url: DatabaseURL
            )
            async throws -> Void,
        afterwards: (_ configuration: ServiceConfiguration, _ url: DatabaseURL) async throws -> Void = { _, _ in }
    ) async throws {
        let candles = try S.googCandles()
        try await TestDatabase.withFreshDatabase { url in
            let configuration = try TestConfiguration.service(.signals, database: url)
            let app = try buildSignalsApplication(configuration: configuration, strategies: Self.instances(), lifecycleRefresh: .milliseconds(100))
            try await app.test(.router) { client in
                try await client.waitUntilReady()
                try await TestDatabase.withClient(url) { postgres in
                    let store = PostgresCandleStore(client: postgres, logger: TestDatabase.logger)
                    _ = try await S.push(Array(candles[0..<300]), batchSize: 100, store: store, client: client)
                    try await body(client, postgres, store, candles, url)
                }
            }
            try await afterwards(configuration, url)
        }
    }

    /// Waits until the new instance `id` shows as a candidate, promotes it as an operator would, waits until it is
    /// active, then pushes `candles`: the signals they made.
    static func promoteNewCandidate(
        _ id: String, lifecycle: PostgresStrategyLifecycleStore, then candles: [Candle], store: any CandleStore, client: some TestClientProtocol
    ) async throws -> [StoredSignal] {
        for _ in 0..<100 where try await status(id, client: client) == nil {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await status(id, client: client) == "candidate")
        _ = try await lifecycle.transition(instance: id, reason: "convinced", actor: "ops", figures: [:]) {
            StrategyLifecycleAction.promote.target(from: $0)
        }
        for _ in 0..<100 where try await status(id, client: client) != "active" {
            try await Task.sleep(for: .milliseconds(50))
        }
        let later = try await S.push(candles, batchSize: 100, store: store, client: client)
        #expect(later.contains { $0.strategy == id && $0.signal.side == .buy })
        return later
    }

    @Test("a candidate sends nothing; a retired instance sends only sells; a change made elsewhere is picked up; bad moves are refused")
    func lifecycleGatesSignals() async throws {
        let candles = try S.googCandles()
        try await TestDatabase.withFreshDatabase { url in
            let app = try buildSignalsApplication(
                configuration: TestConfiguration.service(.signals, database: url), strategies: Self.instances(), lifecycleRefresh: .milliseconds(100))
            try await app.test(.router) { client in
                try await client.waitUntilReady()
                try await TestDatabase.withClient(url) { postgres in
                    let store = PostgresCandleStore(client: postgres, logger: TestDatabase.logger)
                    let first = try await S.push(Array(candles[0..<700]), batchSize: 100, store: store, client: client)
                    #expect(Set(first.map(\.signal.side)) == [.buy, .sell])
                    #expect(first.allSatisfy { $0.strategy == "goog_sma" })
                    let seeded = try await postgres.query(
                        "SELECT instance, to_status, actor FROM strategy_lifecycle_events ORDER BY instance", logger: TestDatabase.logger
                    ).collect().map { try $0.decode((String, String, String).self) }.map { "\($0.0) \($0.1) \($0.2)" }
                    #expect(seeded == ["goog_macd candidate config", "goog_sma active config"])

                    let retired = try await Self.lifecycle(
                        "goog_sma", #"{"action":"retire","reason":"drawdown too deep","actor":"ops"}"#, client: client)
                    #expect(retired.0 == .ok)
                    #expect(retired.1.contains("goog_sma: active → retired"), Comment(rawValue: retired.1))
                    let second = try await S.push(Array(candles[700..<1400]), batchSize: 100, store: store, client: client)
                    #expect(!second.isEmpty)
                    #expect(second.allSatisfy { $0.strategy == "goog_sma" && $0.signal.side == .sell })
                    try await client.execute(uri: "/metrics", method: .get) { response in
                        let text = String(buffer: response.body)
                        #expect(text.contains(#"keelson_strategy_lifecycle_state{strategy="goog_sma"} 3"#), Comment(rawValue: text))
                        #expect(text.contains(#"keelson_signals_suppressed_total{strategy="goog_macd"}"#))
                        #expect(text.contains(#"keelson_signals_suppressed_total{strategy="goog_sma"}"#))
                    }

                    // Another replica (here: the store directly) promotes the candidate; this one follows within a refresh.
                    let lifecycle = PostgresStrategyLifecycleStore(client: postgres, logger: TestDatabase.logger)
                    _ = try await lifecycle.transition(instance: "goog_macd", reason: "beat thresholds", actor: "rules", figures: ["sharpe": "1.2"]) {
                        StrategyLifecycleAction.promote.target(from: $0)
                    }
                    for _ in 0..<100 where try await Self.status("goog_macd", client: client) != "active" {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    #expect(try await Self.status("goog_macd", client: client) == "active")
                    let third = try await S.push(Array(candles[1400...]), batchSize: 100, store: store, client: client)
                    #expect(third.contains { $0.strategy == "goog_macd" && $0.signal.side == .buy })
                    #expect(!third.contains { $0.strategy == "goog_sma" && $0.signal.side == .buy })

                    let enable = try await Self.lifecycle("goog_sma", #"{"action":"enable","reason":"x"}"#, client: client)
                    #expect(enable.0 == .conflict)
                    #expect(enable.1.contains("goog_sma cannot change: it is retired, not disabled"), Comment(rawValue: enable.1))
                    let unknown = try await Self.lifecycle("nope", #"{"action":"retire","reason":"x"}"#, client: client)
                    #expect(unknown.0 == .notFound)
                    #expect(unknown.1.contains("no strategy instance 'nope'; known: goog_macd, goog_sma"), Comment(rawValue: unknown.1))
                    let badAction = try await Self.lifecycle("goog_sma", #"{"action":"delete","reason":"x"}"#, client: client)
                    #expect(badAction.0 == .badRequest)
                    #expect(badAction.1.contains("action must be one of promote, retire, disable, enable"))
                    let noReason = try await Self.lifecycle("goog_sma", #"{"action":"disable"}"#, client: client)
                    #expect(noReason.0 == .badRequest)
                    let events = try await postgres.query(
                        "SELECT instance, from_status, to_status, actor, figures::text FROM strategy_lifecycle_events WHERE from_status IS NOT NULL ORDER BY id",
                        logger: TestDatabase.logger
                    ).collect().map { try $0.decode((String, String, String, String, String).self) }.map { "\($0.0) \($0.1)>\($0.2) \($0.3) \($0.4)" }
                    #expect(events == [#"goog_sma active>retired ops {}"#, #"goog_macd candidate>active rules {"sharpe": "1.2"}"#])
                }
            }
        }
    }

    @Test("keelson strategies add: a new instance as a candidate, picked up without a restart, promoted, audited; bad input exit 2")
    func instanceAddedFromTheCLI() async throws {
        try await Self.withWarmService { client, postgres, store, candles, url in
            let env = ["DATABASE_URL": url.connectionString, "KEELSON_REQUESTED_BY": "quant"]
            let add = [
                "strategies", "add", "goog_fast", "--strategy", "sma_crossover", "--symbol", "GOOG", "--interval", "1d", "--param", "fast=5",
                "--param", "slow=20", "--reason", "a faster pair beside goog_sma",
            ]
            let added = try await ChildProcess.run("keelson", add, environment: env)
            #expect(added.exitCode == 0, Comment(rawValue: added.stderr))
            #expect(
                added.stdout.hasPrefix("goog_fast: a candidate of sma_crossover on GOOG 1d with fast 5, slow 20"),
                Comment(rawValue: added.stdout))
            let lifecycle = PostgresStrategyLifecycleStore(client: postgres, logger: TestDatabase.logger)
            _ = try await Self.promoteNewCandidate(
                "goog_fast", lifecycle: lifecycle, then: Array(candles[300..<1000]), store: store, client: client)
            let row = try await postgres.query(
                """
                SELECT s.origin, s.parameters::text, e.actor, e.reason,
                       (SELECT count(*)::int FROM audit_log WHERE action = 'strategy.add' AND actor_name = 'quant')
                FROM strategy_states s JOIN strategy_lifecycle_events e ON e.instance = s.instance AND e.from_status IS NULL
                WHERE s.instance = 'goog_fast'
                """, logger: TestDatabase.logger
            ).collect().first?.decode((String, String, String, String, Int).self)
            #expect(row?.0 == "added" && row?.1 == #"{"fast": 5, "slow": 20}"# && row?.2 == "quant")
            #expect(row?.3 == "a faster pair beside goog_sma" && row?.4 == 1)

            for (arguments, message) in [
                (add, "an instance 'goog_fast' exists already; choose another id"),
                (
                    ["strategies", "add", "x1", "--strategy", "nope", "--symbol", "GOOG", "--interval", "1d", "--reason", "r"],
                    "--strategy nope cannot be added here"
                ),
                (
                    ["strategies", "add", "x1", "--strategy", "ml_classifier", "--symbol", "GOOG", "--interval", "1d", "--reason", "r"],
                    "--strategy ml_classifier cannot be added here (an ml_classifier instance names its model in the strategies file)"
                ),
                (
                    ["strategies", "add", "x1", "--strategy", "sma_crossover", "--interval", "1d", "--reason", "r"],
                    "give at least one --symbol"
                ),
                (
                    ["strategies", "add", "x1", "--strategy", "sma_crossover", "--symbol", "GOOG", "--interval", "7m", "--reason", "r"],
                    "interval"
                ),
                (
                    [
                        "strategies", "add", "x1", "--strategy", "sma_crossover", "--symbol", "GOOG", "--interval", "1d", "--param", "fast=1",
                        "--reason", "r",
                    ],
                    "fast"
                ),
                (
                    ["strategies", "add", "x1", "--strategy", "sma_crossover", "--symbol", "GOOG", "--interval", "1d", "--reason", " "],
                    "--reason is empty"
                ),
            ] {
                let refused = try await ChildProcess.run("keelson", arguments, environment: env)
                #expect(refused.exitCode == 2, Comment(rawValue: refused.stderr))
                #expect(refused.stderr.hasPrefix("keelson: ") && refused.stderr.contains(message), Comment(rawValue: refused.stderr))
                #expect(refused.stderr.split(separator: "\n").count == 1, Comment(rawValue: refused.stderr))
            }
            let count = try await postgres.query(
                "SELECT count(*)::int FROM strategy_states WHERE instance = 'x1'", logger: TestDatabase.logger
            )
            .collect().first?.decode(Int.self)
            #expect(count == 0)
        }
    }

    @Test("parameters applied from an optimisation run: a candidate evaluated without a restart, promoted, still there after one")
    func appliedParametersRunWithoutRestart() async throws {
        try await Self.withWarmService { client, postgres, store, candles, _ in
            let runs = PostgresOptimizationRunStore(client: postgres, logger: TestDatabase.logger)
            let run = try await runs.begin(
                OptimizationRunRecord(
                    key: "r1", strategy: "sma_crossover", objective: "sharpe", arguments: [], searchSpace: "{}", requestedBy: "test",
                    dataSource: "file GOOG.csv", dataFrom: nil, dataTo: nil, bars: 2148, trials: 1, shards: 1, folds: "[]"))
            try await runs.finish(run: run, succeeded: true, bestParameters: #"{"fast": 5}"#, results: "{}", durationSeconds: 1)
            let lifecycle = PostgresStrategyLifecycleStore(client: postgres, logger: TestDatabase.logger)
            let applied = try await lifecycle.apply(
                ParameterApplication(
                    instance: "goog_sma", appliedAs: "goog_sma_fast", strategy: "sma_crossover", parameters: ["fast": 5], runKey: "r1",
                    reason: "faster crossover", actor: "quant"))
            #expect(applied.previous == ["fast": 10, "slow": 30] && applied.parameters == ["fast": 5, "slow": 30])
            let later = try await Self.promoteNewCandidate(
                "goog_sma_fast", lifecycle: lifecycle, then: Array(candles[300..<1000]), store: store, client: client)
            #expect(
                later.filter { $0.strategy == "goog_sma_fast" }.count > later.filter { $0.strategy == "goog_sma" }.count,
                "faster: more crossings")
            let history = try await postgres.query(
                "SELECT instance, previous::text, parameters::text, reason, actor, run_key, applied_as FROM parameter_history",
                logger: TestDatabase.logger
            ).collect().map { try $0.decode((String, String, String, String, String, String, String).self) }
            #expect(history.count == 1)
            #expect(
                history.first.map { [$0.0, $0.1, $0.2, $0.3, $0.4, $0.5, $0.6] } == [
                    "goog_sma", #"{"fast": 10, "slow": 30}"#, #"{"fast": 5, "slow": 30}"#, "faster crossover", "quant", "r1", "goog_sma_fast",
                ])
            let audited = try await postgres.query(
                "SELECT count(*)::int FROM audit_log WHERE action = 'strategy.apply_params' AND actor_name = 'quant'",
                logger: TestDatabase.logger
            ).collect().first?.decode(Int.self)
            #expect(audited == 1)
            await #expect(throws: StrategyLifecycleError.instanceExists("goog_sma_fast")) {
                try await lifecycle.apply(
                    ParameterApplication(
                        instance: "goog_sma", appliedAs: "goog_sma_fast", strategy: "sma_crossover", parameters: ["fast": 6], runKey: "r1",
                        reason: "again", actor: "quant"))
            }
            await #expect(throws: StrategyLifecycleError.otherStrategy(instance: "goog_macd", runs: "macd_trend", searched: "sma_crossover")) {
                try await lifecycle.apply(
                    ParameterApplication(
                        instance: "goog_macd", appliedAs: "goog_macd_x", strategy: "sma_crossover", parameters: ["fast": 6], runKey: "r1",
                        reason: "wrong", actor: "quant"))
            }
        } afterwards: { configuration, url in
            // A restart registers the file's instances again; the applied one stays configured, in its state.
            let restarted = try buildSignalsApplication(
                configuration: configuration, strategies: Self.instances(), lifecycleRefresh: .milliseconds(100))
            try await restarted.test(.router) { client in
                try await client.waitUntilReady()
                for _ in 0..<100 where try await Self.status("goog_sma_fast", client: client) == nil {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(try await Self.status("goog_sma_fast", client: client) == "active")
                try await TestDatabase.withClient(url) { postgres in
                    let configured = try await postgres.query(
                        "SELECT configured FROM strategy_states WHERE instance = 'goog_sma_fast'", logger: TestDatabase.logger
                    ).collect().first?.decode(Bool.self)
                    #expect(configured == true)
                }
            }
        }
    }

    @Test("the moves an operator may make, and why the others are refused")
    func transitions() {
        #expect(StrategyLifecycleAction.promote.target(from: .candidate) == .success(.active))
        #expect(StrategyLifecycleAction.promote.target(from: .probation) == .success(.active))
        #expect(StrategyLifecycleAction.promote.target(from: .retired) == .success(.active))
        #expect(StrategyLifecycleAction.promote.target(from: .active) == .failure(StrategyLifecycleRefusal("it is already active")))
        #expect(StrategyLifecycleAction.promote.target(from: .disabled) == .failure(StrategyLifecycleRefusal("it is disabled; enable it instead")))
        #expect(StrategyLifecycleAction.retire.target(from: .active) == .success(.retired))
        #expect(StrategyLifecycleAction.retire.target(from: .disabled) == .success(.retired))
        #expect(StrategyLifecycleAction.disable.target(from: .candidate) == .success(.disabled))
        #expect(StrategyLifecycleAction.enable.target(from: .disabled) == .success(.active))
        #expect(StrategyStatus.retired.refusal(movingTo: .probation) == "only an active instance is put on probation")
        #expect(StrategyStatus.active.takesEntries && StrategyStatus.probation.takesEntries && !StrategyStatus.retired.takesEntries)
        #expect(StrategyStatus.retired.takesExits && StrategyStatus.disabled.takesExits && !StrategyStatus.candidate.takesExits)
    }
}
