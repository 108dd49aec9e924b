import Foundation
import KeelsonModels
import KeelsonPersistence
import KeelsonTestSupport
import PostgresNIO
import Testing

/// `keelson model` end to end: the real CLI process, the real registry in PostgreSQL.
@Suite("keelson model")
struct ModelCommandTests {
    static let features = "return:5,return:30,rsi:14,macd_hist:12:26:9,bb_percent_b:20:2,atr_ratio:14,volume_z:30,hour"
    static let sample = ServiceProcess.packageRoot.appendingPathComponent("data/sample/BTCUSDT-1m.csv").path

    static func train(_ model: String, _ extra: [String], out: String, environment: [String: String]) async throws -> ChildProcess.Result {
        try await ChildProcess.run(
            "keelson",
            ["model", "train", "--features", features, "--label", "next_return:h=5", "--model", model, "--out", out] + extra,
            environment: environment)
    }

    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString)").path
    }

    @Test("train, register, promote, roll back, retire: every decision recorded, one active version, the artefact verified")
    func registryLifecycle() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            let env = ["DATABASE_URL": url.connectionString, "KEELSON_REQUESTED_BY": "quant@desk"]
            let first = Self.temporaryDirectory()
            let trained = try await Self.train(
                "logistic", ["--data", Self.sample, "--walk-forward", "train=24h,test=12h", "--register", "--name", "btc-up-5"], out: first,
                environment: env)
            #expect(trained.exitCode == 0, Comment(rawValue: trained.stderr))
            #expect(trained.stdout.contains("trained logistic on 3426 rows"))
            #expect(trained.stdout.contains("walk-forward (4 folds)"))
            #expect(trained.stdout.contains("registered model 1 (btc-up-5 version 1, candidate)"))
            let file = try Data(contentsOf: URL(fileURLWithPath: first + "/model.json"))
            let predictions = try String(contentsOfFile: first + "/predictions.csv", encoding: .utf8).split(separator: "\n")
            #expect(predictions.first == "time,probability,label,sample")
            #expect(predictions.count == 1 + 4_282)

            // The registry holds model.json byte for byte, with its hash.
            let stored = try await client.query("SELECT artefact, artefact_sha256, trained_by, state FROM model_versions WHERE id = 1").collect()
            let (artefact, sha256, trainedBy, state) = try stored[0].decode((Data, String, String, String).self)
            #expect(artefact == file)
            #expect(sha256 == ModelArtefact.sha256(file))
            #expect(trainedBy == "quant@desk" && state == "candidate")

            let second = try await Self.train(
                "gbdt", ["--data", Self.sample, "--param", "depth=3", "--param", "iterations=40", "--register", "--name", "btc-up-5"],
                out: Self.temporaryDirectory(), environment: env)
            #expect(second.stdout.contains("registered model 2 (btc-up-5 version 2, candidate)"), Comment(rawValue: second.stderr))

            for (arguments, expected) in [
                (["promote", "1", "--reason", "first model"], "model 1 (btc-up-5 version 1) is active"),
                (["promote", "2", "--reason", "trees beat it"], "model 2 (btc-up-5 version 2) is active"),
                (["promote", "1", "--reason", "roll back"], "model 1 (btc-up-5 version 1) is active"),
                (["retire", "2", "--reason", "rolled back"], "model 2 is already retired"),
            ] {
                let result = try await ChildProcess.run("keelson", ["model"] + arguments, environment: env)
                #expect((result.stdout + result.stderr).contains(expected), Comment(rawValue: result.stdout + result.stderr))
                #expect(result.exitCode == (expected.contains("already") ? 2 : 0))
            }
            let active = try await client.query("SELECT id FROM model_versions WHERE state = 'active'").collect().map { try $0.decode(Int64.self) }
            #expect(active == [1])
            let events = try await client.query(
                "SELECT model_id, coalesce(from_state, '-'), to_state, actor FROM model_events ORDER BY id"
            ).collect().map { try $0.decode((Int64, String, String, String).self) }
            #expect(
                events.map { "\($0.0):\($0.1)>\($0.2)" } == [
                    "1:->candidate", "2:->candidate", "1:candidate>active", "1:active>retired", "2:candidate>active", "2:active>retired",
                    "1:retired>active",
                ])
            #expect(events.allSatisfy { $0.3 == "quant@desk" })

            let show = try await ChildProcess.run("keelson", ["model", "show", "1"], environment: env)
            #expect(show.stdout.contains("model 1: btc-up-5 version 1, logistic, active"))
            #expect(show.stdout.contains("artefact SHA-256: \(sha256) (verified)"))
            #expect(show.stdout.contains("active → retired by quant@desk: replaced by model 2: trees beat it"))
            let list = try await ChildProcess.run("keelson", ["model", "list"], environment: env)
            #expect(list.stdout.split(separator: "\n").count == 4)

            // A changed artefact is refused wherever the version would be used.
            try await client.query("UPDATE model_versions SET artefact = artefact || '\\x20'::bytea WHERE id = 2")
            for arguments in [["show", "2"], ["promote", "2", "--reason", "x"], ["evaluate", "2", "--data", Self.sample]] {
                let refused = try await ChildProcess.run("keelson", ["model"] + arguments, environment: env)
                #expect(refused.exitCode == 2)
                #expect(refused.stderr.hasPrefix("keelson: model 2 cannot be used: the artefact's SHA-256 is "), Comment(rawValue: refused.stderr))
                #expect(refused.stderr.split(separator: "\n").count == 1)
            }
        }
    }

    @Test("training from the candle store gives the model training from the file gives")
    func storeAndFileAgree() async throws {
        try await TestDatabase.withMigratedDatabase { url, _ in
            let env = ["DATABASE_URL": url.connectionString]
            let imported = try await ChildProcess.run(
                "keelson", ["data", "import", Self.sample, "--symbol", "BTCUSDT", "--interval", "1m"], environment: env)
            #expect(imported.exitCode == 0, Comment(rawValue: imported.stderr))
            let fromFile = Self.temporaryDirectory()
            let fromStore = Self.temporaryDirectory()
            let file = try await Self.train("logistic", ["--data", Self.sample], out: fromFile, environment: env)
            let store = try await Self.train(
                "logistic",
                ["--symbol", "BTCUSDT", "--interval", "1m", "--from", "2024-03-01", "--to", "2024-03-04"],
                out: fromStore, environment: env)
            #expect(file.exitCode == 0 && store.exitCode == 0, Comment(rawValue: file.stderr + store.stderr))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let a = try decoder.decode(TrainedModel.self, from: Data(contentsOf: URL(fileURLWithPath: fromFile + "/model.json")))
            let b = try decoder.decode(TrainedModel.self, from: Data(contentsOf: URL(fileURLWithPath: fromStore + "/model.json")))
            #expect(a == b)
        }
    }

    @Test(
        "bad input: one line and exit 2",
        arguments: [
            (["--features", "rsi:14,sma:3", "--label", "next_return:h=5", "--model", "logistic"], "keelson: unknown feature 'sma:3'"),
            (["--features", "rsi:14", "--label", "next_close", "--model", "logistic"], "keelson: unknown label 'next_close'"),
            (["--features", "rsi:14", "--label", "next_return:h=5", "--model", "forest"], "keelson: unknown model 'forest'"),
            (
                ["--features", "rsi:14", "--label", "next_return:h=5", "--model", "gbdt", "--param", "depth"],
                "keelson: --param 'depth' is not NAME=VALUE"
            ),
            (
                ["--features", "rsi:14", "--label", "next_return:h=5", "--model", "logistic", "--walk-forward", "train=1w,test=1d"],
                "keelson: the walk-forward has no fold"
            ),
            (
                ["--features", "rsi:14", "--label", "next_return:h=5", "--model", "logistic", "--register", "--name", "Up Model"],
                "keelson: --name 'Up Model' is not a model name"
            ),
        ])
    func badInput(arguments: [String], expected: String) async throws {
        let result = try await ChildProcess.run(
            "keelson", ["model", "train", "--data", Self.sample, "--out", Self.temporaryDirectory()] + arguments,
            environment: ["DATABASE_URL": try TestDatabase.serverURL().connectionString])
        #expect(result.exitCode == 2)
        #expect(result.stderr.hasPrefix(expected), Comment(rawValue: result.stderr))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("ml_classifier backtests on a registered version exactly as on its model.json; the optimiser refuses it")
    func backtestOnAModel() async throws {
        try await TestDatabase.withMigratedDatabase { url, _ in
            let env = ["DATABASE_URL": url.connectionString]
            let folder = Self.temporaryDirectory()
            let trained = try await Self.train("logistic", ["--data", Self.sample, "--register", "--name", "btc-up-5"], out: folder, environment: env)
            #expect(trained.exitCode == 0, Comment(rawValue: trained.stderr))
            let common = ["backtest", "--strategy", "ml_classifier", "--param", "entry=0.55", "--param", "exit=0.45", "--data", Self.sample]
            let registered = Self.temporaryDirectory()
            let fromRegistry = try await ChildProcess.run("keelson", common + ["--param", "model=1", "--out", registered], environment: env)
            #expect(fromRegistry.exitCode == 0, Comment(rawValue: fromRegistry.stderr))
            let filed = Self.temporaryDirectory()
            let fromFile = try await ChildProcess.run(
                "keelson", common + ["--param", "model=1", "--model-file", folder + "/model.json", "--out", filed], environment: env)
            #expect(fromFile.exitCode == 0, Comment(rawValue: fromFile.stderr))
            let tradesA = try String(contentsOfFile: registered + "/trades.csv", encoding: .utf8)
            let tradesB = try String(contentsOfFile: filed + "/trades.csv", encoding: .utf8)
            #expect(tradesA == tradesB)
            #expect(tradesA.split(separator: "\n").count > 5)

            for (arguments, expected) in [
                (common, "keelson: ml_classifier needs --param model=ID (keelson model list) or --model-file model.json"),
                (common + ["--param", "model=9"], "keelson: no model 9; `keelson model list` lists them"),
                (
                    ["optimize", "--strategy", "ml_classifier", "--param", "entry=0.5:0.9:0.1", "--data", Self.sample],
                    "keelson: ml_classifier trades on a registered model and cannot be searched"
                ),
                (
                    ["backtest", "--strategy", "sma_crossover", "--model-file", folder + "/model.json", "--data", Self.sample],
                    "keelson: --model-file is for the ml_classifier strategy only"
                ),
            ] {
                let refused = try await ChildProcess.run("keelson", arguments, environment: env)
                #expect(refused.exitCode == 2)
                #expect(refused.stderr.hasPrefix(expected), Comment(rawValue: refused.stderr))
            }
        }
    }

    @Test("retrain: a market that turned promotes the new version, one that did not keeps the active one; both decisions recorded")
    func retrainOnASchedule() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            let env = ["DATABASE_URL": url.connectionString, "KEELSON_REQUESTED_BY": "kubernetes/keelson-retrain-model"]
            let folder = Self.temporaryDirectory()
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let start = Date(timeIntervalSince1970: 1_704_067_200)
            let files = [
                ("momentum", RegimeMarket.csv(bars: 3_000, persistence: 0.8, seed: 1, start: start)),
                ("momentum-later", RegimeMarket.csv(bars: 3_000, persistence: 0.8, seed: 3, start: start.addingTimeInterval(180_000))),
                ("reversal", RegimeMarket.csv(bars: 3_000, persistence: 0.2, seed: 2, start: start.addingTimeInterval(360_000))),
            ]
            for (name, text) in files { try text.write(toFile: "\(folder)/\(name).csv", atomically: true, encoding: .utf8) }
            let trained = try await ChildProcess.run(
                "keelson",
                [
                    "model", "train", "--data", "\(folder)/momentum.csv", "--features", "return:1", "--label", "next_return:h=1", "--model",
                    "logistic", "--out", "\(folder)/v1", "--register", "--name", "turns",
                ], environment: env)
            #expect(trained.exitCode == 0, Comment(rawValue: trained.stderr))
            _ = try await ChildProcess.run("keelson", ["model", "promote", "1", "--reason", "first"], environment: env)

            func retrain(_ file: String) async throws -> ChildProcess.Result {
                try await ChildProcess.run(
                    "keelson",
                    [
                        "model", "retrain", "--name", "turns", "--data", "\(folder)/\(file).csv", "--walk-forward", "train=16h,test=8h",
                        "--margin", "0.01", "--out", "\(folder)/\(file)-out",
                    ], environment: env)
            }
            let kept = try await retrain("momentum-later")
            #expect(kept.exitCode == 0, Comment(rawValue: kept.stderr))
            #expect(kept.stdout.contains("model 2 (turns version 2): retrained, kept the active version: walk-forward log-loss "))
            #expect(kept.stdout.contains("model 1 stays active"))
            let promoted = try await retrain("reversal")
            #expect(promoted.exitCode == 0, Comment(rawValue: promoted.stderr))
            #expect(promoted.stdout.contains("model 3 (turns version 3): retrained: beats the active version and the baseline"))
            #expect(promoted.stdout.contains("model 3 is active; model 1 is retired"))
            #expect(FileManager.default.fileExists(atPath: "\(folder)/reversal-out/model.json"))

            let states = try await client.query("SELECT id, state FROM model_versions ORDER BY id").collect().map { try $0.decode((Int64, String).self) }
            #expect(states.map { "\($0.0):\($0.1)" } == ["1:retired", "2:retired", "3:active"])
            let decisions = try await client.query(
                "SELECT model_id, to_state, figures->>'margin', actor FROM model_events WHERE figures ? 'candidate_log_loss' ORDER BY id"
            ).collect().map { try $0.decode((Int64, String, String, String).self) }
            #expect(decisions.map { "\($0.0):\($0.1):\($0.2)" } == ["2:retired:0.01", "3:active:0.01"])
            #expect(decisions.allSatisfy { $0.3 == "kubernetes/keelson-retrain-model" })
        }
    }

    @Test("an unknown id is refused in one line")
    func unknownModel() async throws {
        try await TestDatabase.withMigratedDatabase { url, _ in
            let result = try await ChildProcess.run(
                "keelson", ["model", "retire", "7", "--reason", "x"], environment: ["DATABASE_URL": url.connectionString])
            #expect(result.exitCode == 2)
            #expect(result.stderr == "keelson: no model 7; `keelson model list` lists them\n")
        }
    }
}
