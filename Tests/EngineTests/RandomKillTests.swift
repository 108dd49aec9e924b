import Foundation
import KeelsonTestSupport
import Testing

/// The engine SIGKILLed at random moments of a busy run and restarted each time, as an orchestrator would
/// (docs/RELIABILITY.md, "Random kill -9"). `make test` kills it 8 times; `make chaos` 100 times.
@Suite("Chaos: the engine killed at random", .timeLimit(.minutes(30)))
struct RandomKillTests {
    typealias F = EngineFixture

    /// `make chaos` runs this with 100 kills (`KEELSON_KILL_TEST_KILLS`); the market grows with the kills so they
    /// stay spread over the run.
    @Test(
        "killed at random moments through a busy seeded market: trades exactly as the uninterrupted run; no entry fill after an exit, no bar skipped; settled, every invariant holds"
    )
    func randomKills() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = UInt64(environment["KEELSON_KILL_TEST_SEED"] ?? "") ?? 20_261_204
        let killCount = Int(environment["KEELSON_KILL_TEST_KILLS"] ?? "") ?? 8
        let market = F.randomMarket(seed: seed, bars: 20..<(20 + max(90, killCount * 4)))
        let steps = market + F.settling(after: market)
        let expected = try await RestartSafetyTests.uninterrupted(steps)
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let driver = try await ScenarioDriver(url: url, postgres: postgres)
            var kills: RandomKills? = RandomKills(seed: seed, kills: killCount, chance: min(0.9, Double(killCount) * 1.5 / Double(steps.count)))
            let started = ContinuousClock.now
            try await driver.run(steps, kills: &kills)
            let elapsed = ContinuousClock.now - started
            try await SettledRunInvariants.check(postgres, engine: driver.engine)
            try await driver.stop()
            // Refusing pushes while recovering is part of every restart: nothing an operator must look at.
            let errors = driver.logs.flatMap { $0.split(separator: "\n") }.filter { $0.contains(#""level":"error""#) }
            #expect(errors.isEmpty, Comment(rawValue: errors.joined(separator: "\n")))
            let ready = driver.readyAfterRestart.sorted()
            func percentile(_ p: Double) -> String {
                guard !ready.isEmpty else { return "–" }
                let duration = ready[min(ready.count - 1, Int(p * Double(ready.count)))]
                return String(format: "%.0f ms", Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
            }
            let orders = try await F.count("orders", postgres: postgres)
            let fills = try await F.count("fills", postgres: postgres)
            let signals = try await F.count("signals", postgres: postgres)
            print(
                """
                random kills (seed \(seed)): \(kills?.scheduled ?? 0) kills scheduled, \(driver.restarts) restarts in \(elapsed) over \(steps.count) steps; \
                \(orders) orders, \(fills) fills, \(signals) signals; ready after a restart p50 \(percentile(0.5)), p99 \(percentile(0.99)), \
                max \(percentile(1))
                """)
            #expect(driver.restarts >= 1)
            let actual = try await ScenarioDriver.outcome(postgres)
            #expect(
                actual == expected,
                Comment(rawValue: "seed \(seed)\nexpected:\n\(expected.joined(separator: "\n"))\nactual:\n\(actual.joined(separator: "\n"))"))
            #expect(try await RestartSafetyTests.entryFillsAfterExits(postgres) == 0)
            let skipped = try await RestartSafetyTests.skippedBars(postgres)
            #expect(skipped.orders == 0 && skipped.stops == 0)
            #expect(expected.contains { $0.hasPrefix("trade") }, "the market must produce round trips for the test to mean anything")
            try await CrashRecoveryTests.invariants(postgres)
        }
    }
}
