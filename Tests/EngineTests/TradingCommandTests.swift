import Foundation
import KeelsonTestSupport
import Testing

@Suite("keelson trading --direct: status and controls straight to the engine, for when the gateway is down")
struct TradingCommandTests {
    typealias F = EngineFixture

    @Test("status, halt twice, resume; a missing reason and an unreachable engine are one clear line")
    func controls() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let engine = try await EngineProcess.start(database: url)
            #expect(await engine.waitUntilReady())
            let environment = [
                "KEELSON_ENGINE_URL": "http://127.0.0.1:\(engine.port)",
                "KEELSON_INTERNAL_TOKENS": TestConfiguration.tokens.joined(separator: ","),
            ]
            let status = try await ChildProcess.run("keelson", ["trading", "status", "--direct"], environment: environment)
            #expect(status.exitCode == 0, Comment(rawValue: status.stderr))
            #expect(status.stdout.contains("session 1 · paper · active"))
            #expect(status.stdout.contains("equity 10000 · cash 10000"))

            let halt = try await ChildProcess.run("keelson", ["trading", "halt", "--direct", "--reason", "drill"], environment: environment)
            #expect(halt.exitCode == 0, Comment(rawValue: halt.stderr))
            #expect(halt.stdout.hasPrefix("stopped: kill switch on"))
            let again = try await ChildProcess.run("keelson", ["trading", "halt", "--direct", "--reason", "drill"], environment: environment)
            #expect(again.stdout.hasPrefix("stopped (unchanged)"))
            let halted = try await ChildProcess.run("keelson", ["trading", "status", "--direct"], environment: environment)
            #expect(halted.stdout.contains("· stopped (drill)"))
            let resume = try await ChildProcess.run("keelson", ["trading", "enable", "--direct", "--reason", "drill over"], environment: environment)
            #expect(resume.stdout.hasPrefix("active: trading resumed"))

            let noReason = try await ChildProcess.run("keelson", ["trading", "halt", "--direct"], environment: environment)
            #expect(noReason.exitCode != 0)
            #expect(noReason.stderr.contains("--reason"))
            try await engine.stop()

            let down = try await ChildProcess.run("keelson", ["trading", "status", "--direct", "--timeout", "2"], environment: environment)
            #expect(down.exitCode == 1)
            #expect(down.stderr.hasPrefix("keelson: keelson-engine is unreachable"), Comment(rawValue: down.stderr))
            #expect(down.stderr.split(separator: "\n").count == 1)
        }
    }
}
