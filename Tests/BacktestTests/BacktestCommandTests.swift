import Foundation
import KeelsonTestSupport
import Testing

@Suite("keelson backtest")
struct BacktestCommandTests {
    static func run(out: URL) async throws -> ChildProcess.Result {
        try await ChildProcess.run(
            "keelson",
            [
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
        let data = try ReportData(html: report)
        #expect(data.charts.first?.panels.map(\.title) == ["Equity", "Drawdown", "Price and trades"])
        #expect(data.charts.first?.panels[1].series.first?.kind == "area", "the drawdown is shaded")
        #expect(data.charts.first?.panels[2].markers.filter { $0.kind == "entry" }.count == 33)  // 32 closed trades and the open one
        #expect(data.tables.first?.rows.count == 32, "every closed trade listed")
        #expect(report.contains("window.KeelsonChart"), "the chart module is inlined")
        #expect(ReportData.isSelfContained(report))

        _ = try await Self.run(out: second)
        for name in ["trades.csv", "equity.csv", "summary.json", "report.html"] {
            let a = try Data(contentsOf: first.appendingPathComponent(name))
            let b = try Data(contentsOf: second.appendingPathComponent(name))
            #expect(a == b, "\(name) differs between two runs")
        }
    }

    @Test(
        "bad input: one line naming what is wrong and what is available",
        arguments: [
            (["--strategy", "nope"], "unknown strategy 'nope'; available: sma_crossover"),
            (["--strategy", "sma_crossover", "--param", "speed=3"], "sma_crossover has no parameter 'speed'; its parameters are: fast, slow"),
            (["--strategy", "sma_crossover", "--sizing", "half"], "--sizing half is not allowed; expected all-in or risk"),
            (["--strategy", "sma_crossover", "--slippage", "huge"], "--slippage huge is not a model"),
            (
                ["--strategy", "sma_crossover", "--engine-config", "/nonexistent/engine.json"],
                "--engine-config: cannot read '/nonexistent/engine.json'"
            ),
            (
                ["--strategy", "sma_crossover", "--engine-config", "/nonexistent/engine.json", "--fee-bps", "5"],
                "--fee-bps and --slippage do not go with --engine-config"
            ),
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
        try "time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,10\n2024-01-02,1,2,0.5,NaN,10\n".write(
            to: file, atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run("keelson", ["backtest", "--strategy", "sma_crossover", "--data", file.path])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains(file.path) && result.stderr.contains("row 3"), Comment(rawValue: result.stderr))
    }

    /// The engine's expert file with a 2 % drawdown limit; daily stock bars, a million to trade.
    static let tightEngineConfig = """
        {"max_capital": 1000000, "timeframe": "1d", "symbols": ["DATA"],
         "risk": {"risk_per_trade_percent": 1, "atr_period": 14, "stop_atr_multiple": 2, "take_profit_reward_ratio": 3, "trailing_atr_multiple": 3,
                  "max_position_notional": 250000, "max_symbol_exposure_percent": 25, "max_open_positions": 3, "cooldown_bars": 5,
                  "daily_loss_limit_percent": 50, "max_drawdown_percent": 2},
         "execution": {"spread_bps": 2, "impact_bps": 50, "volatility_factor": 0.05, "taker_fee_rate": 0.001, "maker_fee_rate": 0.001,
                       "latency_ms": 50, "max_participation": 0.25},
         "symbol_rules": {"DATA": {"tick_size": 0.01, "step_size": 1, "min_quantity": 1, "min_notional": 5}}}
        """

    @Test("--engine-config with a tight drawdown limit halts the backtest and says so in the summary, summary.json and report.html")
    func engineConfigHalts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backtest-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("engine.json")
        try Self.tightEngineConfig.write(to: config, atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run(
            "keelson",
            [
                "backtest", "--strategy", "sma_crossover", "--param", "fast=10", "--param", "slow=30", "--data",
                SharedReferenceData.url("GOOG.csv").path,
                "--engine-config", config.path, "--out", directory.appendingPathComponent("out").path,
            ])
        #expect(result.exitCode == 0, Comment(rawValue: result.stderr))
        let haltLine = result.stdout.split(separator: "\n").first { $0.hasPrefix("halts ") }.map(String.init) ?? ""
        #expect(haltLine.contains("max_drawdown: drawdown") && haltLine.contains("reached the limit of 2 %"), Comment(rawValue: result.stdout))
        #expect(result.stdout.contains("final equity         "))

        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("out/summary.json"))) as? [String: Any]
        let halts = summary?["halts"] as? [[String: Any]] ?? []
        #expect(halts.count == 1)
        #expect(halts.first?["kind"] as? String == "max_drawdown")
        #expect((halts.first?["time"] as? String)?.hasPrefix("20") == true)
        #expect((summary?["statistics"] as? [String: Any])?["calendar"] as? String == "weekdays")
        let report = try String(contentsOf: directory.appendingPathComponent("out/report.html"), encoding: .utf8)
        #expect(try ReportData(html: report).charts.first?.events.count == 1, "the halt drawn across every panel")
        #expect(report.contains(#"<h2 id="halts">Halts</h2>"#))
    }
}

@Suite("keelson backtest --strategies")
struct PortfolioBacktestCommandTests {
    @Test("the sample portfolio: per-instance figures that add up, the transitions in summary.json and report.html")
    func samplePortfolio() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("portfolio-\(UUID())")
        let root = ServiceProcess.packageRoot
        let result = try await ChildProcess.run(
            "keelson",
            [
                "backtest", "--strategies", root.appendingPathComponent("config/strategies.json").path, "--data-dir",
                root.appendingPathComponent("data/sample").path, "--out", out.path,
            ])
        #expect(result.exitCode == 0, Comment(rawValue: result.stderr))
        #expect(result.stdout.contains("transitions"))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let instances = summary["instances"] as! [[String: Any]]
        #expect(instances.map { $0["instance"] as! String } == ["btc_sma_30_90", "eth_sma_30_90", "rsi_30"])
        let transitions = summary["transitions"] as! [[String: Any]]
        #expect(Set(transitions.map { $0["to"] as! String }).isSuperset(of: ["probation", "retired"]), "\(transitions)")
        let trades = try String(contentsOf: out.appendingPathComponent("trades.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        let tradePnl = trades.map { Decimal(string: String($0.split(separator: ",")[7]))! }.reduce(0, +)
        #expect(instances.map { Decimal(string: $0["realized_pnl"] as! String)! }.reduce(0, +) == tradePnl)
        let report = try ReportData(html: try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8))
        let panels = try #require(report.charts.first?.panels)
        #expect(panels.count == 2 && panels[1].series.count == 3, "one PnL line per instance")
        #expect(report.charts.first?.events.count == transitions.count, "every transition marked on the time axis")
    }

    @Test(
        "bad combinations are refused with one line and exit 2",
        arguments: [
            (["--strategies", "config/strategies.json", "--strategy", "sma_crossover"], "leave out --strategy"),
            (["--strategies", "config/strategies.json", "--data-dir", "/nonexistent"], "--data-dir: no /nonexistent/BTCUSDT-1m.csv"),
            (["--strategies", "/nonexistent.json", "--data-dir", "data/sample"], "cannot read '/nonexistent.json'"),
            (["--strategies", "config/strategies.json", "--data-dir", "data/sample", "--sizing", "all-in"], "does not go with --strategies"),
            (["--data-dir", "data/sample"], "give --strategy NAME"),
            (["--strategies", "config/strategies.json"], "--strategies needs its history: --data-dir DIR"),
        ])
    func refusals(arguments: [String], message: String) async throws {
        let result = try await ChildProcess("keelson", arguments: ["backtest"] + arguments, workingDirectory: ServiceProcess.packageRoot).wait(
            timeout: .seconds(60))
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains(message), Comment(rawValue: result.stderr))
    }
}
