import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonFakeExchange
import Testing

@Suite("Binance market data against the fake exchange")
struct BinanceMarketDataTests {
    @Test("ping, server time, and exchangeInfo with the recorded BTCUSDT filters and the weight limit")
    func pingTimeExchangeInfo() async throws {
        try await FakeExchangeHarness.run(FakeExchangeHarness.configuration { $0.weightLimitPerMinute = 1200 }) { _, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http, credentials: nil)
            try await client.ping()
            let serverTime = try await client.serverTime()
            #expect(abs(serverTime.timeIntervalSinceNow) < 5)

            let info = try await client.exchangeInfo()
            #expect(info.symbols.map(\.symbol) == ["BTCUSDT", "ETHUSDT"])
            #expect(info.requestWeightPerMinute == 1200)
            #expect(await client.access.budget.snapshot().weightLimit == 1200)
            let btc = try #require(info.symbols.first { $0.symbol == "BTCUSDT" })
            #expect(btc.baseAsset == "BTC" && btc.quoteAsset == "USDT")
            #expect(btc.filters.price == .init(minPrice: Decimal("0.01"), maxPrice: 1_000_000, tickSize: Decimal("0.01")))
            #expect(btc.filters.lotSize == .init(minQty: Decimal("0.00001"), maxQty: 9000, stepSize: Decimal("0.00001")))
            #expect(
                btc.filters.notional
                    == .init(minNotional: 5, applyMinToMarket: true, maxNotional: 9_000_000, applyMaxToMarket: false, avgPriceMins: 5))

            let one = try await client.exchangeInfo(symbols: ["ETHUSDT"])
            #expect(one.symbols.map(\.symbol) == ["ETHUSDT"])
        }
    }

    @Test("klines: default 500 rows, 12-element rows decoded, paging over 2,500 minutes oldest first without gaps")
    func klinesPaging() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http, credentials: nil)
            let latest = try await client.klines(symbol: "BTCUSDT", interval: "1m")
            #expect(latest.count == 500)
            let forming = try #require(latest.last)
            #expect(!forming.isClosed(at: exchange.clock.now))
            #expect(forming.openTime == Date(timeIntervalSince1970: 1_712_188_800))
            #expect(forming.closeTime == Date(timeIntervalSince1970: 1_712_188_859.999))

            await exchange.clearReceivedRequests()
            let to = Date(timeIntervalSince1970: 1_712_188_800)
            let from = to.addingTimeInterval(-2_500 * 60)
            let klines = try await client.klines(symbol: "BTCUSDT", interval: .oneMinute, from: from, to: to)
            #expect(klines.count == 2_500)
            #expect(klines.first?.openTime == from)
            #expect(zip(klines, klines.dropFirst()).allSatisfy { $1.openTime.timeIntervalSince($0.openTime) == 60 })
            #expect(klines.allSatisfy { $0.isClosed(at: exchange.clock.now) && $0.low <= $0.open && $0.high >= $0.close && $0.volume > 0 })
            let pages = await exchange.receivedRequests().filter { $0.path == "/api/v3/klines" }
            #expect(pages.count == 3)
            #expect(pages.allSatisfy { $0.query.contains("limit=1000") })

            // Longer bars are built from the same minutes.
            let fiveMinute = try await client.klines(symbol: "BTCUSDT", interval: .fiveMinutes, from: to.addingTimeInterval(-3_600), to: to)
            #expect(fiveMinute.count == 12)
            let minutes = klines.suffix(5)
            let last = try #require(fiveMinute.last)
            #expect(last.open == minutes.first?.open && last.close == minutes.last?.close)
            #expect(last.high == minutes.map(\.high).max() && last.volume == minutes.reduce(0) { $0 + $1.volume })
        }
    }

    @Test("klines map to candles; the documented row decodes with numbers or quoted numbers")
    func klineToCandle() throws {
        let documented =
            #"[1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100","148976.11427815",1499644799999,"2434.19055334",308,"1756.87402397","28.46694368","0"]"#
        let quoted =
            #"["1499040000000","0.01634790","0.80000000","0.01575800","0.01577100","148976.11427815","1499644799999","2434.19055334","308","1756.87402397","28.46694368","0"]"#
        let rows = try [documented, quoted].map { try JSONDecoder().decode(BinanceKline.self, from: Data($0.utf8)) }
        #expect(rows[0] == rows[1])
        #expect(rows[0].numberOfTrades == 308)
        #expect(rows[0].quoteVolume == Decimal("2434.19055334"))
        let candle = rows[0].candle(symbol: try Symbol(parsing: "LTCBTC"), interval: .oneWeek)
        #expect(
            candle
                == Candle(
                    exchange: "binance", symbol: try Symbol(parsing: "LTCBTC"), interval: .oneWeek,
                    openTime: Date(timeIntervalSince1970: 1_499_040_000),
                    open: Decimal("0.01634790"), high: Decimal("0.80000000"), low: Decimal("0.01575800"), close: Decimal("0.01577100"),
                    volume: Decimal("148976.11427815")
                ))
        #expect(CandleInterval.allCases.allSatisfy { $0.binanceInterval == $0.rawValue })
    }

    @Test("the used weight follows the exchange's X-MBX-USED-WEIGHT-1M")
    func usedWeightTracked() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http, credentials: nil)
            func minute() -> Int { Int(Date.now.timeIntervalSince1970 / 60) }
            // The exchange counts weight per wall-clock minute: a minute that ends mid-way empties its count, so such
            // an attempt proves nothing and is made again.
            for _ in 0..<3 {
                let started = minute()
                _ = try await client.exchangeInfo()
                try await client.ping()
                _ = try await client.klines(symbol: "BTCUSDT", interval: "1m", limit: 10)
                let reported = await exchange.usedWeight()
                let snapshot = await client.access.budget.snapshot()
                guard minute() == started else { continue }
                #expect(reported >= 23)
                #expect(snapshot.usedWeight == reported)
                #expect(snapshot.inFlightWeight == 0)
                return
            }
            Issue.record("a minute ended during each of three attempts")
        }
    }

    @Test("unknown symbols and intervals come back as Binance API errors")
    func apiErrors() async throws {
        try await FakeExchangeHarness.run { _, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http, credentials: nil)
            await #expect(throws: BinanceError.api(code: -1121, msg: "Invalid symbol.", status: 400)) {
                _ = try await client.klines(symbol: "NOPEUSDT", interval: "1m")
            }
            await #expect(throws: BinanceError.api(code: -1120, msg: "Invalid interval.", status: 400)) {
                _ = try await client.klines(symbol: "BTCUSDT", interval: "7m")
            }
        }
    }
}
