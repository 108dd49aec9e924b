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
            ["optimize", "--strategy", "sma_crossover", "--param", "fast=5:15:5", "--param", "slow=20:40:10", "--data", Self.goog, "--out", out.path]
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
        #expect(!report.contains("<script") && !report.contains("http://") && !report.contains("https://"), "self-contained, no scripts")
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
                    "--out", out.path,
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
        #expect(report.contains(">2006-"), "the time axis is labelled with dates")
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
        let result = try await ChildProcess.run("keelson", ["optimize", "--data", Self.goog, "--out", Self.folder().path] + arguments)
        #expect(result.exitCode == 2)
        #expect(result.stderr.hasPrefix("keelson: " + expected), Comment(rawValue: result.stderr))
        #expect(result.stderr.split(separator: "\n").count == 1)
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
