import Foundation
import KeelsonExchanges
import KeelsonServiceKit
import KeelsonTestSupport
import Testing

@Suite("Live mode settings: explicit, with keys from the environment or a secrets file, never shown")
struct LiveConfigurationTests {
    typealias L = LiveFixture

    @Test("KEELSON_MODE=live without keys: the engine refuses to start with one line naming what to set")
    func refusedWithoutKeys() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let result = try await ChildProcess.run(
                "keelson-engine", [],
                environment: [
                    "DATABASE_URL": url.connectionString, "KEELSON_INTERNAL_TOKENS": TestConfiguration.tokens.joined(separator: ","),
                    "KEELSON_MODE": "live",
                ], timeout: .seconds(30))
            #expect(result.exitCode == 2)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, Comment(rawValue: result.stderr))
            #expect(
                result.stderr.hasPrefix("keelson-engine: configuration error: KEELSON_BINANCE_API_KEY and KEELSON_BINANCE_API_SECRET: not set;"),
                Comment(rawValue: result.stderr))
            #expect(result.stderr.contains("KEELSON_BINANCE_SECRETS_FILE"))

            // One of the two is named on its own.
            let halfway = try await ChildProcess.run(
                "keelson-engine", [],
                environment: [
                    "DATABASE_URL": url.connectionString, "KEELSON_INTERNAL_TOKENS": TestConfiguration.tokens.joined(separator: ","),
                    "KEELSON_MODE": "live",
                    "KEELSON_BINANCE_API_KEY": L.apiKey,
                ], timeout: .seconds(30))
            #expect(halfway.exitCode == 2)
            #expect(
                halfway.stderr.hasPrefix("keelson-engine: configuration error: KEELSON_BINANCE_API_SECRET: not set;"),
                Comment(rawValue: halfway.stderr))
            #expect(!halfway.stderr.contains(L.apiKey))
        }
    }

    @Test("keys from the environment, or a secrets file as key=value lines or as two lines; the secret is never in a description")
    func sources() throws {
        let fromEnvironment = try BinanceConnectionSettings.load(
            environment: EnvironmentReader([
                "KEELSON_BINANCE_API_KEY": L.apiKey, "KEELSON_BINANCE_API_SECRET": L.apiSecret,
                "KEELSON_BINANCE_BASE_URL": BinanceRESTClient.testnetURL,
                "KEELSON_BINANCE_TIMEOUT_MS": "2500",
            ]))
        #expect(fromEnvironment.baseURL == "https://testnet.binance.vision")
        #expect(fromEnvironment.credentials.apiKey == L.apiKey)
        #expect(fromEnvironment.timeout == .milliseconds(2500))
        for shown in [String(describing: fromEnvironment), String(reflecting: fromEnvironment), "\(fromEnvironment.credentials)"] {
            #expect(!shown.contains(L.apiSecret))
            #expect(!shown.contains(L.apiKey))
        }
        #expect(
            try BinanceConnectionSettings.load(
                environment: EnvironmentReader([
                    "KEELSON_BINANCE_API_KEY": "k", "KEELSON_BINANCE_API_SECRET": "s",
                ])
            ).baseURL == BinanceRESTClient.productionURL)

        let named = try secretsFile("# Binance, trading only\napi_key = \(L.apiKey)\napi_secret=\"\(L.apiSecret)\"\n")
        let fromNamed = try BinanceConnectionSettings.load(environment: EnvironmentReader(["KEELSON_BINANCE_SECRETS_FILE": named.path]))
        #expect(fromNamed.credentials.apiKey == L.apiKey)  // the secret read from a file signs in SyncBalanceCommandTests

        let envFile = try secretsFile("KEELSON_BINANCE_API_KEY=\(L.apiKey)\nKEELSON_BINANCE_API_SECRET=\(L.apiSecret)\n")
        #expect(
            try BinanceConnectionSettings.load(environment: EnvironmentReader(["KEELSON_BINANCE_SECRETS_FILE": envFile.path])).credentials.apiKey
                == L.apiKey)

        let twoLines = try secretsFile("\(L.apiKey)\n\(L.apiSecret)\n")
        let fromLines = try BinanceConnectionSettings.load(environment: EnvironmentReader(["KEELSON_BINANCE_SECRETS_FILE": twoLines.path]))
        #expect(fromLines.credentials.apiKey == L.apiKey)

        // The environment wins over the file, value by value.
        let mixed = try BinanceConnectionSettings.load(
            environment: EnvironmentReader([
                "KEELSON_BINANCE_SECRETS_FILE": twoLines.path, "KEELSON_BINANCE_API_KEY": "other-key",
            ]))
        #expect(mixed.credentials.apiKey == "other-key")

        let bad = try secretsFile("\(L.apiKey)\n\(L.apiSecret)\nmore\n")
        do {
            _ = try BinanceConnectionSettings.load(environment: EnvironmentReader(["KEELSON_BINANCE_SECRETS_FILE": bad.path]))
            Issue.record("a file with three unnamed lines was accepted")
        } catch {
            #expect(String(describing: error).hasPrefix("KEELSON_BINANCE_SECRETS_FILE: \(bad.path) holds 3 unnamed lines"))
            #expect(!String(describing: error).contains(L.apiSecret))
        }
        do {
            _ = try BinanceConnectionSettings.load(environment: EnvironmentReader(["KEELSON_BINANCE_SECRETS_FILE": "/nonexistent/binance"]))
            Issue.record("a missing file was accepted")
        } catch {
            #expect(
                String(describing: error)
                    == "KEELSON_BINANCE_SECRETS_FILE: cannot read '/nonexistent/binance'; expected api_key=… and api_secret=… lines, or the key and the secret on two lines"
            )
        }
    }

    private func secretsFile(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("binance-\(UUID().uuidString)")
        try Data(text.utf8).write(to: url)
        return url
    }
}
