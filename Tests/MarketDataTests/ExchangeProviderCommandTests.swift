import Foundation
import KeelsonFakeExchange
import KeelsonTestSupport
import PostgresNIO
import Testing

/// `keelson data test-provider` and `data backfill` on the exchanges, run as the real CLI against the fake exchange
/// on a real-time clock (both commands read the market up to now), configured as the collector is.
@Suite("keelson data test-provider and backfill: binance and coinbase")
struct ExchangeProviderCommandTests {
    static func withExchange(_ body: (String) async throws -> Void) async throws {
        var configuration = FakeExchangeConfiguration()
        configuration.symbols = [.btcusdt]
        try await FakeExchange(configuration: configuration).withRunning(body)
    }

    @Test("test-provider binance|coinbase prints the latest closed candles; a bad provider or interval is one line and exit 2")
    func testProvider() async throws {
        try await Self.withExchange { baseURL in
            let env = ["KEELSON_BINANCE_BASE_URL": baseURL, "KEELSON_COINBASE_BASE_URL": baseURL, "KEELSON_COINBASE_PRODUCTS": "BTCUSDT=BTC-USD"]
            for provider in ["binance", "coinbase"] {
                let result = try await ChildProcess.run("keelson", ["data", "test-provider", provider, "BTCUSDT", "1m", "--count", "3"], environment: env)
                #expect(result.exitCode == 0, Comment(rawValue: result.stderr))
                #expect(result.stdout.contains("✔ \(provider) answered with 3 closed 1m candles of BTCUSDT"), Comment(rawValue: result.stdout))
            }
            let refused = try await ChildProcess.run("keelson", ["data", "test-provider", "kraken", "BTCUSDT", "1m"], environment: env)
            #expect(refused.exitCode == 2)
            #expect(refused.stderr.hasPrefix("keelson: unknown provider 'kraken'; available: synthetic, binance, coinbase"), Comment(rawValue: refused.stderr))
            let interval = try await ChildProcess.run("keelson", ["data", "test-provider", "coinbase", "BTCUSDT", "3m"], environment: env)
            #expect(interval.exitCode == 2)
            #expect(interval.stderr.hasPrefix("keelson: Coinbase has no 3m candles; use one of"), Comment(rawValue: interval.stderr))
            let down = try await ChildProcess.run(
                "keelson", ["data", "test-provider", "binance", "BTCUSDT", "1m"], environment: ["KEELSON_BINANCE_BASE_URL": "http://127.0.0.1:1"])
            #expect(down.exitCode == 1)
            #expect(down.stderr.hasPrefix("keelson: binance failed: ") && down.stderr.split(separator: "\n").count == 1, Comment(rawValue: down.stderr))
            let malformed = try await ChildProcess.run(
                "keelson", ["data", "test-provider", "coinbase", "BTCUSDT", "1m"], environment: env.merging(["KEELSON_COINBASE_PRODUCTS": "BTCUSDT"]) { $1 })
            #expect(malformed.exitCode == 2)
            #expect(malformed.stderr.hasPrefix("keelson: KEELSON_COINBASE_PRODUCTS: "), Comment(rawValue: malformed.stderr))
            #expect(malformed.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test("backfill --provider binance|coinbase stores exactly the hour asked for, under the exchange's name")
    func backfill() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await Self.withExchange { baseURL in
                let env = [
                    "DATABASE_URL": url.connectionString, "KEELSON_BINANCE_BASE_URL": baseURL, "KEELSON_COINBASE_BASE_URL": baseURL,
                    "KEELSON_COINBASE_PRODUCTS": "BTCUSDT=BTC-USD",
                ]
                let hour = (Date.now.timeIntervalSince1970 / 3600).rounded(.down) * 3600 - 2 * 3600
                let from = String(Int64(hour * 1000)), to = String(Int64((hour + 3600) * 1000))
                for provider in ["binance", "coinbase"] {
                    let result = try await ChildProcess.run(
                        "keelson", ["data", "backfill", "--provider", provider, "--symbols", "BTCUSDT", "--from", from, "--to", to], environment: env)
                    #expect(result.exitCode == 0, Comment(rawValue: result.stderr))
                    #expect(result.stdout.contains("backfilled 60 1m candles of BTCUSDT from \(provider)"), Comment(rawValue: result.stdout))
                    let stored = try await postgres.query(
                        "SELECT count(*)::int FROM candles WHERE exchange = \(provider) AND symbol = 'BTCUSDT'", logger: TestDatabase.logger
                    ).collect().first?.decode(Int.self)
                    #expect(stored == 60)
                }
            }
        }
    }
}
