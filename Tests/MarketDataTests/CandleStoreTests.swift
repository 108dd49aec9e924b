import Foundation
import KeelsonDomain
import KeelsonMarketData
import KeelsonPersistence
import KeelsonTestSupport
import PostgresNIO
import Testing

@Suite("The candle store on a real PostgreSQL")
struct CandleStoreTests {
    let btc = try! Symbol(parsing: "BTCUSDT")
    let start = try! Date("2024-03-01T00:00:00Z", strategy: .iso8601)

    @Test("writing the same candles twice changes nothing; a corrected candle replaces the old one")
    func idempotentAndCorrected() async throws {
        let candles = try await SyntheticProvider(seed: 5).candles(
            symbol: btc, interval: .oneMinute, from: start, to: start.addingTimeInterval(6 * 3_600))
        try await TestDatabase.withMigratedDatabase { _, client in
            let store = PostgresCandleStore(client: client, logger: TestDatabase.logger)
            #expect(try await store.upsert(candles) == candles.count)
            #expect(try await store.upsert(candles) == 0)
            var corrected = candles[100]
            corrected.close = corrected.close + Decimal(string: "0.5")!
            corrected.high = max(corrected.high, corrected.close)
            #expect(try await store.upsert([corrected]) == 1)
            let stored = try await store.candles(exchange: "synthetic", symbol: btc, interval: .oneMinute, before: nil, limit: 10_000)
            #expect(stored.count == candles.count)
            #expect(stored[100] == corrected)
            #expect(stored[99] == candles[99])
            let count = try await client.query("SELECT count(*)::int FROM candles").collect().first?.decode(Int.self)
            #expect(count == candles.count)
        }
    }

    @Test("gaps are found exactly, and catch-up reads what follows a time")
    func gapsAndCatchUp() async throws {
        let candles = try await SyntheticProvider(seed: 5).candles(
            symbol: btc, interval: .oneMinute, from: start, to: start.addingTimeInterval(3_600))
        try await TestDatabase.withMigratedDatabase { _, client in
            let store = PostgresCandleStore(client: client, logger: TestDatabase.logger)
            let kept = Array(candles[0..<10]) + Array(candles[15..<40]) + Array(candles[41...])
            try await store.upsert(kept)
            let gaps = try await store.gaps(exchange: "synthetic", symbol: btc, interval: .oneMinute, since: start)
            #expect(gaps.count == 2)
            #expect(gaps[0].from == candles[10].openTime && gaps[0].to == candles[15].openTime)
            #expect(gaps[1].from == candles[40].openTime && gaps[1].to == candles[41].openTime)
            let after = try await store.candles(exchange: "synthetic", symbol: btc, interval: .oneMinute, after: candles[38].openTime, limit: 3)
            #expect(after == [candles[39], candles[41], candles[42]])
        }
    }
}

@Suite("Bulk writes through COPY")
struct CandleStoreBulkTests {
    @Test("a large batch goes through COPY with the same guarantees: idempotent, corrections applied, exact values")
    func copyPath() async throws {
        let btc = try Symbol(parsing: "BTCUSDT")
        let start = try Date("2024-03-01T00:00:00Z", strategy: .iso8601)
        let candles = try await SyntheticProvider(seed: 6).candles(
            symbol: btc, interval: .oneMinute, from: start, to: start.addingTimeInterval(3 * 86_400))
        #expect(candles.count > PostgresCandleStoreLimits.copyThreshold)
        try await TestDatabase.withMigratedDatabase { _, client in
            let store = PostgresCandleStore(client: client, logger: TestDatabase.logger)
            #expect(try await store.upsert(candles) == candles.count)
            #expect(try await store.upsert(candles) == 0)
            var changed = candles
            changed[1234].volume += 1
            #expect(try await store.upsert(changed) == 1)
            let stored = try await store.candles(exchange: "synthetic", symbol: btc, interval: .oneMinute, before: nil, limit: 10_000)
            #expect(stored == changed)
        }
    }
}
