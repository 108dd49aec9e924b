import Foundation
import KeelsonExchanges
import KeelsonFakeExchange
import KeelsonServiceKit
import Synchronization
import Testing

@Suite("Binance rate limits, bans and server faults against the fake exchange")
struct BinanceFaultTests {
    @Test("429: the client waits Retry-After, then the request succeeds")
    func rateLimitedThenSucceeds() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http, credentials: nil)
            await exchange.rateLimitNextRequests(1, retryAfter: 1)
            let started = ContinuousClock.now
            try await client.ping()
            #expect(ContinuousClock.now - started >= .seconds(1))
            #expect(await exchange.receivedRequests().map(\.status) == [429, 200])

            // More 429s than the client retries: it gives up with the wait it was told.
            await exchange.rateLimitNextRequests(5, retryAfter: 1)
            let patient = BinanceRESTClient(baseURL: baseURL, httpClient: http, access: ExchangeAccess(exchange: "patient"), rateLimitRetries: 0)
            await #expect(throws: BinanceError.rateLimited(retryAfter: .seconds(1))) { try await patient.ping() }
        }
    }

    @Test("418: every request to the exchange, market data and trading, fails at once until the ban ends")
    func banStopsEveryClient() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            // Two clients created separately share the registry's budget for this host and port.
            let marketData = BinanceRESTClient(baseURL: baseURL, httpClient: http)
            let trading = BinanceRESTClient(baseURL: baseURL + "/", credentials: FakeExchangeHarness.credentials, httpClient: http)
            #expect(marketData.access.budget === trading.access.budget)
            #expect(marketData.access.breaker === trading.access.breaker)

            // Long enough that a loaded machine still makes every request below inside the ban.
            await exchange.ban(for: 8)
            var bannedUntil = Date.distantPast
            do {
                _ = try await marketData.klines(symbol: "BTCUSDT", interval: "1m", limit: 5)
                Issue.record("a banned request succeeded")
            } catch let BinanceError.banned(until) {
                bannedUntil = until
            }
            #expect(bannedUntil > Date.now)
            #expect(await marketData.access.budget.snapshot().bannedUntil == bannedUntil)
            let sent = await exchange.receivedRequests().count
            await #expect(throws: BinanceError.banned(until: bannedUntil)) { _ = try await trading.account() }
            await #expect(throws: BinanceError.banned(until: bannedUntil)) {
                _ = try await trading.placeOrder(.market(symbol: "BTCUSDT", side: .buy, quantity: Decimal("0.001"), clientOrderId: "during-ban"))
            }
            await #expect(throws: BinanceError.banned(until: bannedUntil)) { try await marketData.ping() }
            #expect(await exchange.receivedRequests().count == sent, "banned requests fail without reaching the exchange")

            try await Task.sleep(for: .milliseconds(Int64(max(0, bannedUntil.timeIntervalSinceNow) * 1000) + 100))
            #expect(try await marketData.klines(symbol: "BTCUSDT", interval: "1m", limit: 5).count == 5)
            #expect(try await trading.account().canTrade)
            #expect(await trading.access.budget.snapshot().bannedUntil == nil)
        }
    }

    @Test("5xx after the order executed: status unknown, and the order is found exactly once by its client order id")
    func serverErrorAfterExecution() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http)
            for (index, fault) in [FakeOrderFault.serverError(status: 503, htmlBody: true), .serverError(status: 500, htmlBody: false)].enumerated() {
                let id = "unknown-\(index)"
                await exchange.failNextOrder(fault)
                do {
                    _ = try await client.placeOrder(.market(symbol: "BTCUSDT", side: .buy, quantity: Decimal("0.001"), clientOrderId: id))
                    Issue.record("the 5xx was not reported")
                } catch let error as BinanceError {
                    guard case .executionStatusUnknown = error else { Issue.record("got \(error)"); continue }
                    #expect(error.description.contains("client order id"))
                }
                let found = try await client.order(symbol: "BTCUSDT", clientOrderId: id)
                #expect(found.status == .filled && found.executedQty == Decimal("0.001"))
                #expect(await exchange.orders().filter { $0.clientOrderId == id }.count == 1)
            }
        }
    }

    @Test("an answer slower than the client's timeout: status unknown, the order was executed")
    func timeoutAfterExecution() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http, timeout: .milliseconds(500))
            await exchange.failNextOrder(.delayedAnswer(.seconds(2)))
            do {
                _ = try await client.placeOrder(.market(symbol: "BTCUSDT", side: .buy, quantity: Decimal("0.001"), clientOrderId: "slow-answer"))
                Issue.record("the timeout was not reported")
            } catch let error as BinanceError {
                guard case .executionStatusUnknown = error else { Issue.record("got \(error)"); return }
            }
            // Asked with the usual timeout: on a loaded machine even a quick query can outlast the half second above.
            let patient = FakeExchangeHarness.client(baseURL, http)
            #expect(try await patient.order(symbol: "BTCUSDT", clientOrderId: "slow-answer").status == .filled)
        }
    }

    @Test("malformed JSON is a typed error; on an order it means the outcome is unknown")
    func malformedAnswers() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let client = FakeExchangeHarness.client(baseURL, http)
            await exchange.malformNextResponses(1)
            do {
                _ = try await client.exchangeInfo()
                Issue.record("a malformed answer was accepted")
            } catch let error as BinanceError {
                guard case .malformedResponse = error else { Issue.record("got \(error)"); return }
            }
            await exchange.malformNextResponses(1)
            do {
                _ = try await client.placeOrder(.market(symbol: "BTCUSDT", side: .buy, quantity: Decimal("0.001"), clientOrderId: "garbled"))
                Issue.record("a malformed order answer was accepted")
            } catch let error as BinanceError {
                guard case .executionStatusUnknown = error else { Issue.record("got \(error)"); return }
            }
            #expect(try await client.order(symbol: "BTCUSDT", clientOrderId: "garbled").status == .filled)
        }
    }

    @Test("the circuit breaker opens after repeated 5xx (4xx refusals do not count) and stops calling")
    func circuitBreakerOpens() async throws {
        try await FakeExchangeHarness.run { exchange, baseURL, http in
            let access = ExchangeAccess(exchange: "breaker-test", failureThreshold: 3, openDuration: 60)
            let client = FakeExchangeHarness.client(baseURL, http, credentials: nil, access: access)
            for _ in 0..<5 {
                await #expect(throws: BinanceError.self) { _ = try await client.klines(symbol: "NOPE", interval: "1m") }
            }
            #expect(await access.breaker.snapshot().state == .closed)

            await exchange.failMarketData(.binance)
            for _ in 0..<3 {
                await #expect(throws: BinanceError.unavailable(detail: "HTTP 503")) { _ = try await client.klines(symbol: "BTCUSDT", interval: "1m") }
            }
            let snapshot = await access.breaker.snapshot()
            #expect(snapshot.state == .open && snapshot.consecutiveFailures == 3)
            let sent = await exchange.receivedRequests().count
            do {
                try await client.ping()
                Issue.record("the open breaker let a call through")
            } catch let BinanceError.circuitOpen(retryAt) {
                #expect(retryAt > Date.now)
            }
            #expect(await exchange.receivedRequests().count == sent)

            await exchange.restoreMarketData(.binance)
            await access.breaker.reset()
            #expect(try await client.klines(symbol: "BTCUSDT", interval: "1m", limit: 3).count == 3)
        }
    }

    @Test("the budget waits for the next minute when the weight would exceed the limit, and fails fast while banned")
    func budgetAccounting() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_712_188_830))
        let budget = ExchangeRequestBudget(exchange: "unit", weightLimit: 10, now: { clock.now }, sleep: { clock.sleep($0) })
        let first = try await budget.reserve(weight: 6)
        await budget.complete(first, reportedUsedWeight: 7)
        #expect(await budget.snapshot().usedWeight == 7)
        _ = try await budget.reserve(weight: 6)
        #expect(clock.slept == [.seconds(30)], "waited for the next minute")
        #expect(await budget.snapshot().inFlightWeight == 6)

        await budget.recordRateLimited(retryAfter: 5)
        _ = try await budget.reserve(weight: 1)
        #expect(clock.slept.last == .seconds(5))

        await budget.recordBan(retryAfter: 120)
        await #expect(throws: ExchangeBudgetRefusal.banned(until: clock.now.addingTimeInterval(120))) { _ = try await budget.reserve(weight: 1) }
        clock.advance(by: 121)
        _ = try await budget.reserve(weight: 1)
        #expect(await budget.snapshot().bannedUntil == nil)

        let impatient = ExchangeRequestBudget(
            exchange: "unit", weightLimit: 10, maxWait: .seconds(10), now: { clock.now }, sleep: { clock.sleep($0) })
        await impatient.recordRateLimited(retryAfter: 60)
        await #expect(throws: ExchangeBudgetRefusal.self) { _ = try await impatient.reserve(weight: 1) }
    }
}

/// A clock for the budget that moves only when slept on or advanced.
final class ManualTime: Sendable {
    private let state: Mutex<(now: Date, slept: [Duration])>

    init(_ start: Date) { state = Mutex((start, [])) }

    var now: Date { state.withLock { $0.now } }
    var slept: [Duration] { state.withLock { $0.slept } }

    func sleep(_ duration: Duration) {
        state.withLock {
            $0.slept.append(duration)
            $0.now = $0.now.addingTimeInterval(TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18)
        }
    }

    func advance(by seconds: TimeInterval) {
        state.withLock { $0.now = $0.now.addingTimeInterval(seconds) }
    }
}
