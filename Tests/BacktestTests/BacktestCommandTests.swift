import Foundation
import KeelsonTestSupport
import Testing

@Suite("keelson backtest")
struct BacktestCommandTests {
    static func run(out: URL) async throws -> ChildProcess.Result {
        try await ChildProcess.run("keelson", [
            "backtest", "--strategy", "sma_crossover", "--param", "fast=10", "--param", "slow=30",
            "--data", SharedReferenceData.url("GOOG.csv").path, "--cash", "1000000", "--sizing", "all-in", "--fee-bps", "0",
            "--slippage", "none", "--out", out.path,
        ])
    }

    @Test("the reference invocation writes exactly backtesting.py's trades, and twice the same files")
    func referenceInvocation() async throws {
        let first = FileManager.default.temporaryDirectory.appendingPathComponent("backtest-\(UUID())")
        let second = FileManager.default.temporaryDirectory.appendingPathComponent("backtest-\(UUID())")
        let result = try await Self.run(out: first)
        #expect(result.exitCode == 0, Comment(rawValue: result.stderr))
        #expect(result.stdout.contains("final equity         5827024.4"))
        #expect(result.stdout.contains("total return         482.702 %"))
        #expect(result.stdout.contains("Sharpe               1.0338"))
        #expect(result.stdout.contains("max drawdown         -29.715 %"))

        let ours = try String(contentsOf: first.appendingPathComponent("trades.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(ours.first?.hasPrefix("entry_time,entry_price,exit_time,exit_price,size,pnl") == true)
        let reference = try String(contentsOf: SharedReferenceData.url("goog_sma_10_30_trades.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { line in
                let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                // Size,EntryBar,ExitBar,EntryTime,EntryPrice,ExitTime,ExitPrice,PnL → ours: entry_time,entry_price,exit_time,exit_price,size,pnl
                return [cells[3], cells[4], cells[5], cells[6], cells[0], cells[7]].map { Decimal(string: String($0)).map { "\($0)" } ?? String($0) }
            }
        let closed = ours.dropFirst().prefix(reference.count).map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).prefix(6).map { Decimal(string: String($0)).map { "\($0)" } ?? String($0) }
        }
        #expect(closed.count == 32)
        #expect(Array(closed) == reference)
        #expect(ours.last == "2012-12-04,695,,,7227,,,")

        let report = try String(contentsOf: first.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains(#"<polyline class="equity" points=""#))
        #expect(report.contains(#"aria-label="drawdown curve""#))
        #expect(report.components(separatedBy: #"class="entry""#).count - 1 == 33) // 32 closed trades and the open one
        #expect(!report.contains("http://") && !report.contains("https://") && !report.contains("<script"), "self-contained")

        _ = try await Self.run(out: second)
        for name in ["trades.csv", "equity.csv", "summary.json", "report.html"] {
            let a = try Data(contentsOf: first.appendingPathComponent(name))
            let b = try Data(contentsOf: second.appendingPathComponent(name))
            #expect(a == b, "\(name) differs between two runs")
        }
    }

    @Test("bad input: one line naming what is wrong and what is available", arguments: [
        (["--strategy", "nope"], "unknown strategy 'nope'; available: sma_crossover"),
        (["--strategy", "sma_crossover", "--param", "speed=3"], "sma_crossover has no parameter 'speed'; its parameters are: fast, slow"),
        (["--strategy", "sma_crossover", "--sizing", "half"], "--sizing half is not allowed; expected all-in or risk"),
        (["--strategy", "sma_crossover", "--slippage", "huge"], "--slippage huge is not a model"),
    ])
    func badInput(arguments: [String], expected: String) async throws {
        let result = try await ChildProcess.run("keelson", ["backtest", "--data", SharedReferenceData.url("GOOG.csv").path] + arguments)
        #expect(result.exitCode == 2)
        #expect(result.stderr.hasPrefix("keelson: " + expected), Comment(rawValue: result.stderr))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("a malformed file is refused with its row")
    func malformedFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID()).csv")
        try "time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,10\n2024-01-02,1,2,0.5,NaN,10\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run("keelson", ["backtest", "--strategy", "sma_crossover", "--data", file.path])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains(file.path) && result.stderr.contains("row 3"), Comment(rawValue: result.stderr))
    }
}
