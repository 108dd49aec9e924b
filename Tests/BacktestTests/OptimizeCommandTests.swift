import Foundation
import KeelsonTestSupport
import Testing

@Suite("keelson optimize")
struct OptimizeCommandTests {
    static let terms = ["--cash", "1000000", "--sizing", "all-in", "--fee-bps", "0", "--slippage", "none"]
    static let goog = SharedReferenceData.url("GOOG.csv").path

    static func folder() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("optimize-\(UUID())") }

    static func csv(_ url: URL) throws -> [[String: String]] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    @Test("a grid's best equals the best of a brute-force loop over keelson backtest, figure for figure")
    func gridEqualsBruteForce() async throws {
        let out = Self.folder()
        let result = try await ChildProcess.run(
            "keelson",
            [
                "optimize", "--strategy", "sma_crossover", "--param", "fast=5:15:5", "--param", "slow=20:40:10", "--data", Self.goog, "--out",
                out.path, "--no-record",
            ]
                + Self.terms)
        #expect(result.exitCode == 0, Comment(rawValue: result.stderr))
        let rows = try Self.csv(out.appendingPathComponent("results.csv"))
        #expect(rows.count == 9)
        var best: (sharpe: Double, fast: String, slow: String)?
        for row in rows {
            let single = Self.folder()
            let plain = try await ChildProcess.run(
                "keelson",
                [
                    "backtest", "--strategy", "sma_crossover", "--param", "fast=\(row["fast"]!)", "--param", "slow=\(row["slow"]!)", "--data",
                    Self.goog,
                ]
                    + Self.terms + ["--out", single.path])
            #expect(plain.exitCode == 0, Comment(rawValue: plain.stderr))
            // JSONDecoder, not JSONSerialization: the latter can miss a Double's last digit on Linux.
            let statistics = try JSONDecoder().decode(Summary.self, from: Data(contentsOf: single.appendingPathComponent("summary.json"))).statistics
            let sharpe = statistics.sharpe
            #expect(Double(row["sharpe"]!) == sharpe, "fast=\(row["fast"]!) slow=\(row["slow"]!)")
            #expect(Double(row["max_drawdown"]!) == statistics.max_drawdown_percent)
            #expect(Int(row["trades"]!) == statistics.trades)
            if sharpe > best?.sharpe ?? -.infinity { best = (sharpe, row["fast"]!, row["slow"]!) }
        }
        let chosen = try JSONDecoder().decode(Best.self, from: Data(contentsOf: out.appendingPathComponent("best.json")))
        #expect(chosen.parameters == ["fast": Double(best!.fast)!, "slow": Double(best!.slow)!])
        #expect(chosen.in_sample == best?.sharpe)
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains(#"aria-label="objective heat map""#))
        #expect(ReportData.isSelfContained(report))
    }

    @Test("walk-forward: the same files with 1 and 3 workers, folds.csv per fold, the stitched equity dated")
    func walkForwardIsTheSameOnAnyWorkers() async throws {
        var outputs: [URL] = []
        for workers in ["1", "3"] {
            let out = Self.folder()
            let result = try await ChildProcess.run(
                "keelson",
                [
                    "optimize", "--strategy", "sma_crossover", "--param", "fast=5:20:5", "--param", "slow=20:60:20", "--data", Self.goog,
                    "--walk-forward", "train=730d,test=365d", "--objective", "return", "--constraint", "trades>=1", "--workers", workers,
                    "--out", out.path, "--no-record",
                ] + Self.terms)
            #expect(result.exitCode == 0, Comment(rawValue: result.stderr))
            #expect(result.stdout.contains("walk-forward efficiency"))
            outputs.append(out)
        }
        for name in ["results.csv", "folds.csv", "report.html"] {
            #expect(
                try Data(contentsOf: outputs[0].appendingPathComponent(name)) == Data(contentsOf: outputs[1].appendingPathComponent(name)), "\(name)")
        }
        let folds = try Self.csv(outputs[0].appendingPathComponent("folds.csv"))
        #expect(folds.count == 6)
        for fold in folds { #expect(fold["train_to"] == fold["test_from"]) }
        let report = try String(contentsOf: outputs[0].appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains(#"aria-label="out-of-sample equity""#))
        let chart = try #require(try ReportData(html: report).charts.first)
        #expect(chart.events.count == 5, "each later fold's start marked")
        let first = try #require(chart.panels.first?.series.first?.points.first?.first)
        #expect(Date(timeIntervalSince1970: first / 1000).formatted(.iso8601).hasPrefix("2006-"), "the stitched equity is on real dates")
    }

    @Test(
        "bad input: one line, exit 2",
        arguments: [
            (["--strategy", "nope", "--param", "fast=5:10:1"], "unknown strategy 'nope'"),
            (["--strategy", "sma_crossover", "--param", "speed=5:10:1"], "sma_crossover has no parameter 'speed'"),
            (["--strategy", "sma_crossover", "--param", "fast=10:5:1"], "--param fast=10:5:1 is an empty range"),
            (["--strategy", "sma_crossover", "--param", "fast=1:5:1"], "--param fast=1:5:1: 1 is outside sma_crossover's bounds for fast"),
            (["--strategy", "sma_crossover", "--param", "fast=10"], "nothing to search"),
            (["--strategy", "sma_crossover", "--param", "fast=5:10:1", "--objective", "luck"], "--objective luck is not an objective"),
            (["--strategy", "sma_crossover", "--param", "fast=5:10:1", "--search", "some"], "--search some is not a search"),
            (["--strategy", "sma_crossover", "--param", "fast=5:10:1", "--constraint", "luck>1"], "--constraint luck>1: unknown statistic 'luck'"),
            (
                ["--strategy", "sma_crossover", "--param", "fast=5:10:1", "--walk-forward", "train=3000d,test=365d"],
                "--walk-forward train=3000d,test=365d,step=365d needs 3365d of data; the data covers"
            ),
            (
                ["--strategy", "sma_crossover", "--param", "fast=5:10:1", "--constraint", "trades>100000"],
                "no combination met the constraints (trades>100000) in any fold"
            ),
        ])
    func badInput(arguments: [String], expected: String) async throws {
        let result = try await ChildProcess.run("keelson", ["optimize", "--data", Self.goog, "--out", Self.folder().path, "--no-record"] + arguments)
        #expect(result.exitCode == 2)
        #expect(result.stderr.hasPrefix("keelson: " + expected), Comment(rawValue: result.stderr))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    static let walkForwardSearch =
        [
            "optimize", "--strategy", "sma_crossover", "--param", "fast=5:20:5", "--param", "slow=20:60:20", "--data", goog,
            "--walk-forward", "train=730d,test=365d", "--objective", "return", "--constraint", "trades>=1",
        ] + terms

    @Test("a run is recorded: who, the data range, folds, trials, duration and best; keelson optimize runs lists it")
    func recorded() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            let env = ["DATABASE_URL": url.connectionString, "KEELSON_REQUESTED_BY": "quant@desk"]
            let out = Self.folder()
            let result = try await ChildProcess.run("keelson", Self.walkForwardSearch + ["--out", out.path, "--run", "wf-1"], environment: env)
            #expect(result.exitCode == 0, Comment(rawValue: result.stderr))
            #expect(result.stdout.contains("recorded as optimization run wf-1"))
            let row = try await client.query(
                """
                SELECT status, requested_by, data_source, bars::int, trials, shards, jsonb_array_length(folds), duration_seconds > 0,
                       best_parameters::text, results->>'run', data_from < data_to
                FROM optimization_runs WHERE run_key = 'wf-1'
                """
            ).collect().first
            let (status, who, source, bars, trials, shards, folds, timed, best, run, ordered) = try #require(row).decode(
                (String, String, String, Int, Int32, Int32, Int, Bool, String, String, Bool).self)
            #expect(status == "succeeded" && who == "quant@desk" && source == "file \(Self.goog)")
            #expect(bars == 2148 && trials == 6 * 11 && shards == 1 && folds == 6 && timed && run == "wf-1" && ordered)
            let chosen = try JSONDecoder().decode(Best.self, from: Data(contentsOf: out.appendingPathComponent("best.json")))
            #expect(try JSONDecoder().decode([String: Double].self, from: Data(best.utf8)) == chosen.parameters)
            let stored = try await client.query(
                "SELECT count(*)::int FROM optimization_trials t JOIN optimization_runs r ON r.id = t.run_id WHERE r.run_key = 'wf-1'"
            )
            .collect().first?.decode(Int.self)
            #expect(stored == 66)
            let listed = try await ChildProcess.run("keelson", ["optimize", "runs"], environment: env)
            #expect(
                listed.exitCode == 0 && listed.stdout.contains("wf-1") && listed.stdout.contains("succeeded") && listed.stdout.contains("quant@desk"))
        }
    }

    @Test("three shards in three processes, then collect: the same results.csv and folds.csv as one process")
    func shardsEqualOneProcess() async throws {
        try await TestDatabase.withMigratedDatabase { url, _ in
            let env = ["DATABASE_URL": url.connectionString]
            let whole = Self.folder()
            let single = try await ChildProcess.run("keelson", Self.walkForwardSearch + ["--out", whole.path, "--no-record"], environment: env)
            #expect(single.exitCode == 0, Comment(rawValue: single.stderr))

            let early = try await ChildProcess.run("keelson", ["optimize", "collect", "split", "--out", Self.folder().path], environment: env)
            #expect(early.exitCode == 2 && early.stderr.contains("no optimization run split"), Comment(rawValue: early.stderr))
            let last = Self.folder()
            for index in 0..<3 {
                let shard = try await ChildProcess.run(
                    "keelson", Self.walkForwardSearch + ["--run", "split", "--shard", "\(index)/3"] + (index == 2 ? ["--out", last.path] : []),
                    environment: env)
                #expect(shard.exitCode == 0, Comment(rawValue: shard.stderr))
                #expect(shard.stdout.contains("shard \(index)/3: 22 backtests stored under run split (\((index + 1) * 22) of 66)"))
                if index == 0 {
                    let partial = try await ChildProcess.run(
                        "keelson", ["optimize", "collect", "split", "--out", Self.folder().path], environment: env)
                    #expect(
                        partial.exitCode == 2 && partial.stderr.contains("has 22 of 66 backtests; shards 1/3, 2/3 not stored yet"),
                        Comment(rawValue: partial.stderr))
                }
            }
            let collected = Self.folder()
            let collect = try await ChildProcess.run("keelson", ["optimize", "collect", "split", "--out", collected.path], environment: env)
            #expect(collect.exitCode == 0, Comment(rawValue: collect.stderr))
            for folder in [last, collected] {
                for name in ["results.csv", "folds.csv"] {
                    #expect(
                        try Data(contentsOf: folder.appendingPathComponent(name)) == Data(contentsOf: whole.appendingPathComponent(name)), "\(name)")
                }
            }
            let other = try await ChildProcess.run(
                "keelson", Self.walkForwardSearch + ["--run", "split", "--shard", "0/3", "--objective", "sharpe"], environment: env)
            #expect(
                other.exitCode == 2 && other.stderr.contains("optimization run split exists with other arguments"), Comment(rawValue: other.stderr))
            let unsharded = try await ChildProcess.run("keelson", Self.walkForwardSearch + ["--shard", "0/3"], environment: env)
            #expect(unsharded.exitCode == 2 && unsharded.stderr.contains("--shard needs --run KEY"), Comment(rawValue: unsharded.stderr))
            let outside = try await ChildProcess.run("keelson", Self.walkForwardSearch + ["--shard", "3/3", "--run", "x"], environment: env)
            #expect(outside.exitCode == 2 && outside.stderr.contains("--shard 3/3 is not INDEX/COUNT"), Comment(rawValue: outside.stderr))
        }
    }

    @Test("keelson strategies apply-params: the run's best as a candidate beside the instance, recorded; bad input exit 2")
    func applyParams() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            let env = ["DATABASE_URL": url.connectionString, "KEELSON_REQUESTED_BY": "quant@desk"]
            let out = Self.folder()
            let search = try await ChildProcess.run(
                "keelson",
                [
                    "optimize", "--strategy", "sma_crossover", "--param", "fast=5:15:5", "--param", "slow=20:40:10", "--data", Self.goog, "--out",
                    out.path,
                ]
                    + Self.terms + ["--run", "g1"], environment: env)
            #expect(search.exitCode == 0, Comment(rawValue: search.stderr))
            try await client.query(
                """
                INSERT INTO strategy_states (instance, strategy, symbols, "interval", parameters, status, status_reason)
                VALUES ('goog_sma', 'sma_crossover', ARRAY['GOOG'], '1d', '{"fast": 10, "slow": 30}', 'active', 'configured'),
                       ('goog_macd', 'macd_trend', ARRAY['GOOG'], '1d', '{}', 'active', 'configured')
                """)
            let applied = try await ChildProcess.run(
                "keelson", ["strategies", "apply-params", "goog_sma", "--run", "g1", "--reason", "better Sharpe in-sample"], environment: env)
            #expect(applied.exitCode == 0, Comment(rawValue: applied.stderr))
            let best = try JSONDecoder().decode(Best.self, from: Data(contentsOf: out.appendingPathComponent("best.json"))).parameters
            let expected =
                "goog_sma-g1: a candidate of sma_crossover with fast 10 → \(Int(best["fast"]!)), slow 30 → \(Int(best["slow"]!)) (from run g1, applied to goog_sma)"
            #expect(applied.stdout.contains(expected), Comment(rawValue: applied.stdout))
            let row = try await client.query(
                "SELECT status, origin, derived_from, parameters::text FROM strategy_states WHERE instance = 'goog_sma-g1'"
            ).collect().first?.decode((String, String, String, String).self)
            #expect(row?.0 == "candidate" && row?.1 == "applied" && row?.2 == "goog_sma")
            #expect(try row.map { try JSONDecoder().decode([String: Double].self, from: Data($0.3.utf8)) } == best)
            let history = try await client.query("SELECT actor, reason, run_key FROM parameter_history WHERE instance = 'goog_sma'").collect()
                .first?.decode((String, String, String).self)
            #expect(history?.0 == "quant@desk" && history?.1 == "better Sharpe in-sample" && history?.2 == "g1")

            for (arguments, message) in [
                (["goog_sma", "--run", "g1"], "an instance 'goog_sma-g1' exists already; name the candidate with --as NEW_ID"),
                (["goog_sma", "--run", "nope"], "no optimization run nope"),
                (["ghost", "--run", "g1"], "no strategy instance 'ghost'"),
                (["goog_sma", "--run", "g1", "--as", "bad id!"], "--as bad id! is not an instance id"),
                (["goog_macd", "--run", "g1"], "the parameters are of sma_crossover; goog_macd runs macd_trend"),
            ] {
                let refused = try await ChildProcess.run(
                    "keelson", ["strategies", "apply-params"] + arguments + ["--reason", "x"], environment: env)
                #expect(refused.exitCode == 2, Comment(rawValue: refused.stderr))
                #expect(refused.stderr.hasPrefix("keelson: " + message), Comment(rawValue: refused.stderr))
            }
        }
    }

    @Test("--apply-to: applied as a candidate only when the out-of-sample objective beats the current parameters' by the margin")
    func applyToDecidesOnOutOfSample() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            let env = ["DATABASE_URL": url.connectionString]
            try await client.query(
                """
                INSERT INTO strategy_states (instance, strategy, symbols, "interval", parameters, status, status_reason)
                VALUES ('goog_sma', 'sma_crossover', ARRAY['GOOG'], '1d', '{"fast": 45, "slow": 50}', 'active', 'configured')
                """)
            let kept = try await ChildProcess.run(
                "keelson", Self.walkForwardSearch + ["--out", Self.folder().path, "--apply-to", "goog_sma", "--margin", "1000000", "--run", "k1"],
                environment: env)
            #expect(kept.exitCode == 0, Comment(rawValue: kept.stderr))
            #expect(kept.stdout.contains("kept goog_sma's parameters: out-of-sample return "), Comment(rawValue: kept.stdout))

            let decided = try await ChildProcess.run(
                "keelson", Self.walkForwardSearch + ["--out", Self.folder().path, "--apply-to", "goog_sma", "--run", "a1"], environment: env)
            #expect(decided.exitCode == 0, Comment(rawValue: decided.stderr))
            // "... out-of-sample return OURS against THEIRS for goog_sma's current parameters (margin 0)"
            let line = try #require(decided.stdout.split(separator: "\n").first { $0.contains("goog_sma's current parameters") })
            let words = line.split(separator: " ")
            let ours = try #require(words.firstIndex(of: "against").flatMap { Double(words[$0 - 1]) })
            let theirs = try #require(words.firstIndex(of: "against").flatMap { Double(words[$0 + 1]) })
            let candidates = try await client.query(
                "SELECT count(*)::int FROM strategy_states WHERE instance = 'goog_sma-a1' AND status = 'candidate'"
            )
            .collect().first?.decode(Int.self)
            #expect((candidates == 1) == (ours > theirs), Comment(rawValue: String(line)))
            #expect(line.hasPrefix(ours > theirs ? "applied to goog_sma as candidate goog_sma-a1" : "kept goog_sma's parameters"))

            let noFolds = try await ChildProcess.run(
                "keelson",
                [
                    "optimize", "--strategy", "sma_crossover", "--param", "fast=5:10:5", "--data", Self.goog, "--out", Self.folder().path,
                    "--apply-to", "goog_sma",
                ],
                environment: env)
            #expect(noFolds.exitCode == 2 && noFolds.stderr.contains("--apply-to compares out-of-sample results; give --walk-forward too"))
            let unknown = try await ChildProcess.run(
                "keelson", Self.walkForwardSearch + ["--out", Self.folder().path, "--apply-to", "ghost"], environment: env)
            #expect(unknown.exitCode == 2 && unknown.stderr.contains("--apply-to: no strategy instance 'ghost'"), Comment(rawValue: unknown.stderr))
        }
    }

    @Test("--every-trades / --every-hours: a scheduled re-optimisation runs first, then only after M closed trades or H hours")
    func reoptimisesEveryMTrades() async throws {
        try await TestDatabase.withMigratedDatabase { url, client in
            let env = ["DATABASE_URL": url.connectionString]
            try await client.query(
                """
                INSERT INTO strategy_states (instance, strategy, symbols, "interval", parameters, status, status_reason)
                VALUES ('goog_sma', 'sma_crossover', ARRAY['GOOG'], '1d', '{"fast": 45, "slow": 50}', 'active', 'configured')
                """)
            func reoptimise(_ key: String, _ schedule: [String]) async throws -> ChildProcess.Result {
                try await ChildProcess.run(
                    "keelson",
                    Self.walkForwardSearch + ["--out", Self.folder().path, "--apply-to", "goog_sma", "--margin", "1000000", "--run", key] + schedule,
                    environment: env)
            }
            func runs() async throws -> [String] {
                try await client.query("SELECT run_key FROM optimization_runs WHERE apply_to = 'goog_sma' ORDER BY id").collect().map {
                    try $0.decode(String.self)
                }
            }
            // The first re-optimisation of an instance always runs.
            let first = try await reoptimise("r1", ["--every-trades", "2"])
            #expect(first.exitCode == 0, Comment(rawValue: first.stderr))
            #expect(first.stdout.contains("kept goog_sma's parameters"), Comment(rawValue: first.stdout))
            #expect(try await runs() == ["r1"])

            let waiting = try await reoptimise("r2", ["--every-trades", "2", "--every-hours", "24"])
            #expect(waiting.exitCode == 0, Comment(rawValue: waiting.stderr))
            #expect(
                waiting.stdout.hasPrefix("not due: goog_sma has 0 of 2 closed trades and 0.0 of 24 hours since re-optimisation r1; nothing run"),
                Comment(rawValue: waiting.stdout))

            // One closed trade of the instance (and one of another, and one before the run) is not yet enough.
            try await client.query(
                """
                WITH s AS (INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity) VALUES ('paper', 'active', 1000, 1000) RETURNING id)
                INSERT INTO trades (session_id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, pnl, exit_reason, strategy)
                SELECT s.id, 'GOOG', 'long', 1, now() - interval '2 days', 100, t.exit_time, 101, 1, 'signal', t.strategy FROM s,
                       (VALUES (now(), 'goog_sma'), (now(), 'other'), (now() - interval '1 day', 'goog_sma')) AS t(exit_time, strategy)
                """)
            let oneTrade = try await reoptimise("r3", ["--every-trades", "2"])
            #expect(
                oneTrade.stdout.hasPrefix("not due: goog_sma has 1 of 2 closed trades since re-optimisation r1"), Comment(rawValue: oneTrade.stdout))
            try await client.query(
                """
                INSERT INTO trades (session_id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, pnl, exit_reason, strategy)
                SELECT max(id), 'GOOG', 'long', 1, now(), 100, now(), 99, -1, 'stop_loss', 'goog_sma' FROM trading_sessions
                """)
            let due = try await reoptimise("r4", ["--every-trades", "2"])
            #expect(due.exitCode == 0 && due.stdout.contains("kept goog_sma's parameters"), Comment(rawValue: due.stdout + due.stderr))
            // Hours alone, counting from r4 (every run made two hours older): not due at 24, due at 1.
            try await client.query("UPDATE optimization_runs SET started_at = started_at - interval '2 hours'")
            let notYet = try await reoptimise("r5", ["--every-hours", "24"])
            #expect(notYet.stdout.hasPrefix("not due: goog_sma has 2.0 of 24 hours since re-optimisation r4"), Comment(rawValue: notYet.stdout))
            let byHours = try await reoptimise("r5", ["--every-hours", "1"])
            #expect(byHours.exitCode == 0 && byHours.stdout.contains("kept goog_sma's parameters"), Comment(rawValue: byHours.stdout))
            #expect(try await runs() == ["r1", "r4", "r5"])
            let listed = try await ChildProcess.run("keelson", ["optimize", "runs"], environment: env)
            #expect(listed.stdout.contains("goog_sma"), Comment(rawValue: listed.stdout))

            for (arguments, message) in [
                (["--every-trades", "0"], "--every-trades 0 is not allowed; expected 1 to 1000000 closed trades"),
                (["--every-hours=0"], "--every-hours 0.0 is not allowed; expected more than 0 and at most 8784 hours"),
            ] {
                let refused = try await reoptimise("bad", arguments)
                #expect(refused.exitCode == 2 && refused.stderr.hasPrefix("keelson: " + message), Comment(rawValue: refused.stderr))
            }
            let noTarget = try await ChildProcess.run(
                "keelson", Self.walkForwardSearch + ["--out", Self.folder().path, "--every-trades", "5", "--no-record"], environment: env)
            #expect(noTarget.exitCode == 2 && noTarget.stderr.contains("give --apply-to ID too"), Comment(rawValue: noTarget.stderr))
        }
    }

    struct Summary: Decodable {
        struct Statistics: Decodable {
            let sharpe: Double
            let max_drawdown_percent: Double
            let trades: Int
        }
        let statistics: Statistics
    }

    struct Best: Decodable {
        let parameters: [String: Double]
        let in_sample: Double
    }
}
