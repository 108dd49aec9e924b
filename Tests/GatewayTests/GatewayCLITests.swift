import Foundation
import GatewayService
import KeelsonServiceKit
import KeelsonTestSupport
import Testing

/// The operator CLI through the gateway, as an on-call engineer runs it.
@Suite("keelson CLI through the gateway")
struct GatewayCLITests {
    @Test func disableThroughTheCLIHaltsTheEngineAndIsAudited() async throws {
        try await GatewayHarness.run(services: [.engine]) { gateway in
            let port = try #require(gateway.client.port)
            let operatorKey = try #require(gateway.keys[.operator])
            var environment = ["KEELSON_URL": "http://127.0.0.1:\(port)", "KEELSON_API_KEY": operatorKey.secret]

            // A generous --timeout: on a loaded machine the default 10 s can pass before the answer, and a retry would
            // audit the action twice.
            let disabled = try await ChildProcess.run(
                "keelson", ["trading", "disable", "--reason", "cli drill", "--timeout", "60"], environment: environment)
            #expect(disabled.exitCode == 0, Comment(rawValue: disabled.stderr))
            #expect(disabled.stdout.hasPrefix("stopped: kill switch on"))
            #expect(try await gateway.sessionState() == "stopped")
            let rows = try await gateway.auditRows(action: "trading.disable")
            #expect(rows.count == 1)
            #expect(rows.first?.keyID == operatorKey.id)
            #expect(rows.first?.reason == "cli drill")

            var status = try await ChildProcess.run("keelson", ["status"], environment: environment)
            // Exit 2 (a check missed its deadline) or 3 (the gateway's answer took longer than the CLI waits) mean a
            // loaded machine, not a wrong answer; the next call answers.
            for _ in 0..<10 where [2, 3].contains(status.exitCode) {
                try await Task.sleep(for: .milliseconds(500))
                status = try await ChildProcess.run("keelson", ["status"], environment: environment)
            }
            #expect(status.exitCode == 1, "degraded: trading is stopped")
            #expect(status.stdout.contains("trading     stopped: cli drill"), Comment(rawValue: status.stdout))
            let positions = try await ChildProcess.run("keelson", ["positions"], environment: environment)
            #expect(positions.exitCode == 0, Comment(rawValue: positions.stderr))
            #expect(positions.stdout.contains("no open positions"))
            var health = try await ChildProcess.run("keelson", ["health", "--json"], environment: environment)
            for _ in 0..<10 where health.exitCode == 2 {
                try await Task.sleep(for: .milliseconds(500))
                health = try await ChildProcess.run("keelson", ["health", "--json"], environment: environment)
            }
            #expect(health.exitCode == 1)
            #expect(health.stdout.contains("\"status\":\"degraded\""))

            // close-all cannot be confirmed without a terminal, and needs an admin key anyway.
            let unconfirmed = try await ChildProcess.run("keelson", ["trading", "close-all", "--reason", "x"], environment: environment)
            #expect(unconfirmed.exitCode != 0)
            #expect(unconfirmed.stderr.contains("stdin is not a terminal"), Comment(rawValue: unconfirmed.stderr))
            let forbidden = try await ChildProcess.run("keelson", ["trading", "close-all", "--reason", "x", "--yes"], environment: environment)
            #expect(forbidden.exitCode == 4)
            #expect(forbidden.stderr.contains("needs the admin role"))

            let enabled = try await ChildProcess.run("keelson", ["trading", "enable", "--reason", "drill over"], environment: environment)
            #expect(enabled.exitCode == 0, Comment(rawValue: enabled.stderr))
            #expect(try await gateway.sessionState() == "active")

            environment["KEELSON_API_KEY"] = "kk_000000000000_" + String(repeating: "0", count: 64)
            let badKey = try await ChildProcess.run("keelson", ["positions"], environment: environment)
            #expect(badKey.exitCode == 4)
            #expect(badKey.stderr.hasPrefix("keelson: the gateway refused the API key"))
            #expect(badKey.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test("keelson strategies promote|retire|disable|enable: operator key, in force without a restart, audited; refused moves say why")
    func strategyLifecycleThroughTheCLI() async throws {
        try await GatewayHarness.run(services: [.engine, .marketdata, .signals]) { gateway in
            let port = try #require(gateway.client.port)
            var environment = ["KEELSON_URL": "http://127.0.0.1:\(port)", "KEELSON_API_KEY": try #require(gateway.keys[.viewer]).secret]
            // The signal service records the configured instances on its first refresh.
            for _ in 0..<200 where try await gateway.strings("SELECT instance FROM strategy_states").count < 5 {
                try await Task.sleep(for: .milliseconds(50))
            }
            let viewer = try await ChildProcess.run("keelson", ["strategies", "retire", "rsi_30", "--reason", "x"], environment: environment)
            #expect(viewer.exitCode == 4 && viewer.stderr.contains("needs the operator role"), Comment(rawValue: viewer.stderr))

            environment["KEELSON_API_KEY"] = try #require(gateway.keys[.operator]).secret
            let retired = try await ChildProcess.run(
                "keelson", ["strategies", "retire", "rsi_30", "--reason", "losing since Monday"], environment: environment)
            #expect(retired.exitCode == 0, Comment(rawValue: retired.stderr))
            #expect(retired.stdout.contains("rsi_30: active → retired"), Comment(rawValue: retired.stdout))
            let audit = try await gateway.auditRows(action: "strategies.retire")
            #expect(audit.map(\.reason) == ["losing since Monday"] && audit.map(\.outcome) == ["ok"])
            let stored = try await gateway.strings("SELECT status FROM strategy_states WHERE instance = 'rsi_30'")
            #expect(stored == ["retired"])

            let enableRetired = try await ChildProcess.run("keelson", ["strategies", "enable", "rsi_30", "--reason", "x"], environment: environment)
            #expect(
                enableRetired.exitCode != 0 && enableRetired.stderr.contains("it is retired, not disabled"), Comment(rawValue: enableRetired.stderr))
            #expect(try await gateway.auditRows(action: "strategies.enable").map(\.outcome) == ["refused"])
            let disabled = try await ChildProcess.run(
                "keelson", ["strategies", "disable", "btc_sma_30_90", "--reason", "exchange incident"], environment: environment)
            #expect(disabled.stdout.contains("btc_sma_30_90: active → disabled"), Comment(rawValue: disabled.stderr))
            let enabled = try await ChildProcess.run(
                "keelson", ["strategies", "enable", "btc_sma_30_90", "--reason", "incident over"], environment: environment)
            #expect(enabled.stdout.contains("btc_sma_30_90: disabled → active"), Comment(rawValue: enabled.stderr))
            let unknown = try await ChildProcess.run("keelson", ["strategies", "promote", "nope", "--reason", "x"], environment: environment)
            #expect(unknown.exitCode != 0 && unknown.stderr.contains("no strategy instance 'nope'"), Comment(rawValue: unknown.stderr))
            let blank = try await ChildProcess.run("keelson", ["strategies", "retire", "rsi_30", "--reason", " "], environment: environment)
            #expect(blank.exitCode != 0 && blank.stderr.contains("--reason must say why"), Comment(rawValue: blank.stderr))

            let capital = try await ChildProcess.run("keelson", ["capital"], environment: environment)
            #expect(capital.exitCode == 0, Comment(rawValue: capital.stderr))
            #expect(
                capital.stdout.hasPrefix("computed ") || capital.stdout.hasPrefix("no allocation computed yet"), Comment(rawValue: capital.stdout))
            let shown = try await ChildProcess.run("keelson", ["strategies", "show", "rsi_30"], environment: environment)
            #expect(shown.exitCode == 0, Comment(rawValue: shown.stderr))
            #expect(
                shown.stdout.contains("lifecycle, newest first:") && shown.stdout.contains("losing since Monday"), Comment(rawValue: shown.stdout))
            let listed = try await ChildProcess.run("keelson", ["strategies"], environment: environment)
            #expect(listed.exitCode == 0, Comment(rawValue: listed.stderr))
            let rsi = listed.stdout.split(separator: "\n").first { $0.hasPrefix("rsi_30 ") }
            #expect(rsi?.contains("retired") == true, Comment(rawValue: listed.stdout))
        }
    }

    @Test("keelson breakers lists and resets the collector's breakers (admin, audited); audit shows it; market and signals read")
    func breakersAuditMarketSignals() async throws {
        try await GatewayHarness.run(services: [.engine, .marketdata, .signals]) { gateway in
            let port = try #require(gateway.client.port)
            let admin = try #require(gateway.keys[.admin])
            var environment = ["KEELSON_URL": "http://127.0.0.1:\(port)", "KEELSON_API_KEY": admin.secret]

            // The first call meets four services just started; on a loaded machine the gateway's fresh check of all of
            // them can take longer than the CLI's default 10 s, which is a slow machine, not a wrong answer.
            let listed = try await ChildProcess.run("keelson", ["breakers", "--timeout", "60"], environment: environment)
            #expect(listed.exitCode == 0, Comment(rawValue: listed.stderr))
            #expect(listed.stdout.contains("provider:replay") && listed.stdout.contains("closed"), Comment(rawValue: listed.stdout))

            let reset = try await ChildProcess.run(
                "keelson", ["breakers", "reset", "--reason", "provider key fixed", "--timeout", "60"], environment: environment)
            #expect(reset.exitCode == 0, Comment(rawValue: reset.stderr))
            #expect(reset.stdout.contains("provider:replay: closed → closed"), Comment(rawValue: reset.stdout))
            #expect(try await gateway.auditRows(action: "circuit_breakers.reset").first?.reason == "provider key fixed")

            let audit = try await ChildProcess.run("keelson", ["audit", "--limit", "5"], environment: environment)
            #expect(audit.exitCode == 0, Comment(rawValue: audit.stderr))
            #expect(audit.stdout.contains("circuit_breakers.reset") && audit.stdout.contains("provider key fixed"), Comment(rawValue: audit.stdout))
            let badTime = try await ChildProcess.run("keelson", ["audit", "--since", "yesterday"], environment: environment)
            #expect(badTime.exitCode != 0)
            #expect(badTime.stderr.contains("--since yesterday is not a time"), Comment(rawValue: badTime.stderr))

            let providers = try await ChildProcess.run("keelson", ["market", "providers"], environment: environment)
            #expect(providers.exitCode == 0, Comment(rawValue: providers.stderr))
            #expect(providers.stdout.contains("replay") && providers.stdout.contains("primary"), Comment(rawValue: providers.stdout))
            let symbols = try await ChildProcess.run("keelson", ["market", "symbols"], environment: environment)
            #expect(symbols.exitCode == 0, Comment(rawValue: symbols.stderr))
            #expect(symbols.stdout.contains("BTCUSDT"), Comment(rawValue: symbols.stdout))
            let signals = try await ChildProcess.run("keelson", ["signals", "--symbol", "BTCUSDT", "--limit", "5"], environment: environment)
            #expect(signals.exitCode == 0, Comment(rawValue: signals.stderr))
            #expect(signals.stdout.hasPrefix("ID") || signals.stdout.hasPrefix("no signals"), Comment(rawValue: signals.stdout))
            let badSince = try await ChildProcess.run("keelson", ["signals", "--since", "soon"], environment: environment)
            #expect(badSince.exitCode != 0 && badSince.stderr.contains("--since soon is not a time"), Comment(rawValue: badSince.stderr))

            let range = try await ChildProcess.run(
                "keelson", ["trades", "--since", "2026-01-02T00:00:00Z", "--until", "2026-01-01T00:00:00Z"], environment: environment)
            #expect(range.exitCode == 1 && range.stderr.contains("since must be before until"), Comment(rawValue: range.stderr))
            let inRange = try await ChildProcess.run("keelson", ["orders", "--since", "2020-01-01T00:00:00Z"], environment: environment)
            #expect(inRange.exitCode == 0, Comment(rawValue: inRange.stderr))
            let everySession = try await ChildProcess.run("keelson", ["trades", "--session", "all", "--strategy", "sma"], environment: environment)
            #expect(everySession.exitCode == 0, Comment(rawValue: everySession.stderr))
            let badSession = try await ChildProcess.run("keelson", ["positions", "--session", "latest"], environment: environment)
            #expect(badSession.exitCode != 0 && badSession.stderr.contains("--session latest is not a session"), Comment(rawValue: badSession.stderr))
            let allPortfolio = try await ChildProcess.run("keelson", ["risk", "--session", "all"], environment: environment)
            #expect(allPortfolio.exitCode == 1 && allPortfolio.stderr.contains("session=all applies to orders and trades"), Comment(rawValue: allPortfolio.stderr))
            let badUntil = try await ChildProcess.run("keelson", ["trades", "--until", "later"], environment: environment)
            #expect(badUntil.exitCode != 0 && badUntil.stderr.contains("--until later is not a time"), Comment(rawValue: badUntil.stderr))

            let strategies = try await ChildProcess.run("keelson", ["strategies", "--period", "weekly"], environment: environment)
            #expect(strategies.exitCode == 0, Comment(rawValue: strategies.stderr))
            #expect(strategies.stdout.hasPrefix("ID") || strategies.stdout.hasPrefix("no strategy instances"), Comment(rawValue: strategies.stdout))
            let unknown = try await ChildProcess.run("keelson", ["strategies", "show", "nope"], environment: environment)
            #expect(unknown.exitCode != 0 && unknown.stderr.contains("no strategy instance 'nope'"), Comment(rawValue: unknown.stderr))
            let badPeriod = try await ChildProcess.run("keelson", ["strategies", "--period", "hourly"], environment: environment)
            #expect(badPeriod.exitCode != 0 && badPeriod.stderr.contains("--period hourly is not allowed"), Comment(rawValue: badPeriod.stderr))
            let execution = try await ChildProcess.run("keelson", ["execution"], environment: environment)
            #expect(execution.exitCode == 0, Comment(rawValue: execution.stderr))
            #expect(execution.stdout.hasPrefix("STRATEGY") || execution.stdout.hasPrefix("no fills"), Comment(rawValue: execution.stdout))

            environment["KEELSON_API_KEY"] = try #require(gateway.keys[.operator]).secret
            let refused = try await ChildProcess.run("keelson", ["breakers", "reset", "--reason", "x"], environment: environment)
            #expect(refused.exitCode == 4)
            #expect(refused.stderr.contains("needs the admin role"), Comment(rawValue: refused.stderr))
        }
    }

    @Test("keelson model analyze and live through the gateway (viewer key): a registered version scores the stored candles; bad input is one line")
    func modelAnalysisThroughTheCLI() async throws {
        // An analysis reads up to 10,000 stored candles: on a loaded machine that can take longer than the harness's 2 s.
        try await GatewayHarness.run(services: [.marketdata, .signals], requestTimeout: .seconds(30)) { gateway in
            let port = try #require(gateway.client.port)
            let environment = [
                "KEELSON_URL": "http://127.0.0.1:\(port)", "KEELSON_API_KEY": try #require(gateway.keys[.viewer]).secret,
                "DATABASE_URL": gateway.database.connectionString,
            ]
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("keelson-cli-model-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let sample = ServiceProcess.packageRoot.appendingPathComponent("data/sample/BTCUSDT-1m.csv").path
            let trained = try await ChildProcess.run(
                "keelson",
                [
                    "model", "train", "--data", sample, "--features", "return:5,rsi:14", "--label", "next_return:h=5", "--model", "logistic",
                    "--out", out, "--register", "--name", "btc-up-5",
                ], environment: environment)
            #expect(trained.exitCode == 0, Comment(rawValue: trained.stderr))

            // The collector replays the sample into the database at full speed; the analysis needs 15 bars stored.
            for _ in 0..<600 where try await gateway.strings("SELECT count(*)::text FROM candles WHERE symbol = 'BTCUSDT'").first.flatMap(Int.init) ?? 0 < 15 {
                try await Task.sleep(for: .milliseconds(100))
            }
            let analysis = try await ChildProcess.run(
                "keelson", ["model", "analyze", "--model", "1", "--symbol", "BTCUSDT", "--exchange", "replay", "--timeout", "60"], environment: environment)
            #expect(analysis.exitCode == 0, Comment(rawValue: analysis.stderr))
            #expect(analysis.stdout.hasPrefix("model 1 (btc-up-5 v1, next_return:h=5) on replay BTCUSDT 1m at "), Comment(rawValue: analysis.stdout))
            #expect(analysis.stdout.contains("probability 0.") && analysis.stdout.contains("rsi:14"), Comment(rawValue: analysis.stdout))

            let candidate = try await ChildProcess.run("keelson", ["model", "live", "1"], environment: environment)
            #expect(candidate.exitCode == 0, Comment(rawValue: candidate.stderr))
            #expect(candidate.stdout.hasPrefix("model 1 (btc-up-5 v1): candidate, not served"), Comment(rawValue: candidate.stdout))
            #expect(candidate.stdout.contains("no live figures"))

            for (arguments, words) in [
                (["model", "analyze", "--model", "btc-up-5", "--symbol", "BTCUSDT"], "model 'btc-up-5' has no active version"),
                (["model", "analyze", "--model", "7", "--symbol", "BTCUSDT"], "no model 7"),
                (["model", "analyze", "--model", "1", "--symbol", "BTC USDT", "--exchange", "replay"], "symbol"),
                (["model", "live", "9"], "no model 9"),
                (["model", "live", "0"], "the model id must be a whole number above 0"),
            ] {
                let refused = try await ChildProcess.run("keelson", arguments, environment: environment)
                #expect(refused.exitCode != 0 && refused.stderr.contains(words), Comment(rawValue: "\(arguments): \(refused.stderr)"))
                #expect(refused.stderr.split(separator: "\n").count == 1, Comment(rawValue: refused.stderr))
            }
        }
    }

    @Test func aGatewayThatIsDownIsOneLineAndExitThree() async throws {
        let result = try await ChildProcess.run("keelson", ["status", "--url", "http://127.0.0.1:\(FreePort.next())", "--timeout", "2"])
        #expect(result.exitCode == 3)
        #expect(result.stderr.contains("is unreachable"))
        #expect(result.stderr.contains("keelson health --direct"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
