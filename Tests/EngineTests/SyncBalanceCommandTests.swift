import Foundation
import KeelsonTestSupport
import PostgresNIO
import Testing

@Suite("keelson live sync-balance: the Binance account against the live session's books")
struct SyncBalanceCommandTests {
    typealias F = EngineFixture
    typealias L = LiveFixture

    @Test("in sync: exit 0; a balance short of a position and an order Keelson does not know: exit 1 with each named; no keys: exit 2")
    func differences() async throws {
        try await TestDatabase.withMigratedDatabase { url, postgres in
            try await F.seedCandles(F.flat(0..<20), postgres: postgres)
            let exchange = L.exchange()
            try await exchange.withRunning { baseURL in
                try await L.withEngine(database: url, exchange: baseURL) { client in
                    let buy = try await F.insertSignal(.buy, bar: 19, postgres: postgres)
                    #expect(try await L.decide(buy, client: client, postgres: postgres) == "ordered")
                    try await L.waitForFills(1, postgres: postgres)
                }
                // The key and secret from a secrets file, as the engine could read them.
                let secrets = FileManager.default.temporaryDirectory.appendingPathComponent("binance-\(UUID().uuidString)")
                try Data("api_key=\(L.apiKey)\napi_secret=\(L.apiSecret)\n".utf8).write(to: secrets)
                let environment = [
                    "DATABASE_URL": url.connectionString, "KEELSON_BINANCE_BASE_URL": baseURL, "KEELSON_BINANCE_SECRETS_FILE": secrets.path,
                ]

                let inSync = try await ChildProcess.run("keelson", ["live", "sync-balance"], environment: environment)
                #expect(inSync.exitCode == 0, Comment(rawValue: inSync.stdout + inSync.stderr))
                #expect(inSync.stdout.hasPrefix("live session 1 · \(baseURL) · in sync"), Comment(rawValue: inSync.stdout))
                #expect(inSync.stdout.contains("BTC "))
                #expect(inSync.stdout.contains("24.975"))

                // Someone sold BTC by hand and placed an order of their own.
                await exchange.setBalance(asset: "BTC", free: 10)
                _ = try await exchange.executeOrder(symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: 1, price: 50, clientOrderId: "by-hand-1")
                let differ = try await ChildProcess.run("keelson", ["live", "sync-balance"], environment: environment)
                #expect(differ.exitCode == 1, Comment(rawValue: differ.stdout + differ.stderr))
                #expect(differ.stdout.contains("2 differences"), Comment(rawValue: differ.stdout))
                #expect(
                    differ.stdout.contains(
                        "balance_shortfall: the account holds 10 BTC (10 free, 0 locked), less than the 24.975 BTC of Keelson's BTCUSDT position"))
                #expect(differ.stdout.contains("order_unknown_to_keelson: the exchange works order by-hand-1"))

                let json = try await ChildProcess.run("keelson", ["live", "sync-balance", "--json"], environment: environment)
                #expect(json.exitCode == 1)
                let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
                let comparison = try #require(report["comparison"] as? [String: Any])
                #expect(comparison["in_sync"] as? Bool == false)
                let kinds = (comparison["differences"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
                #expect(kinds == ["balance_shortfall", "order_unknown_to_keelson"])
                let btc = (comparison["balances"] as? [[String: Any]] ?? []).first { $0["asset"] as? String == "BTC" }
                #expect(btc?["books"] as? String == "24.975")
                #expect(btc?["shortfall"] as? String == "14.975")
                #expect(!(json.stdout + json.stderr + differ.stdout + differ.stderr).contains(L.apiSecret))

                var withoutKeys = environment
                withoutKeys["KEELSON_BINANCE_SECRETS_FILE"] = nil
                let refused = try await ChildProcess.run("keelson", ["live", "sync-balance"], environment: withoutKeys)
                #expect(refused.exitCode == 2)
                #expect(
                    refused.stderr.hasPrefix("keelson: KEELSON_BINANCE_API_KEY and KEELSON_BINANCE_API_SECRET: not set"),
                    Comment(rawValue: refused.stderr))
                #expect(refused.stderr.split(separator: "\n").count == 1)
            }
        }
    }
}
