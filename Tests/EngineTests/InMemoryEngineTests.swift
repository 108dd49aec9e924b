import Foundation
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonStrategies
import KeelsonTestSupport
import KeelsonTrading
import Logging
import Testing

@testable import EngineService

/// The engine's trading on the in-memory repositories: the same figures as the PostgreSQL round trip in
/// `SignalToTradeTests`, with no database, so the trading rules can be tested in milliseconds.
@Suite("Engine on in-memory repositories: signal to trade, idempotence, leadership")
struct InMemoryEngineTests {
    typealias F = EngineFixture
    static let fence = LeaderFence(backendPID: 1, backendStartMicroseconds: 1)

    struct Harness {
        var engine: TradingEngine
        var repository: InMemoryTradingRepository
        var candles: InMemoryCandleStore

        func signal(
            _ side: TradeSide, bar index: Int, price: Decimal = 100, symbol: Symbol = F.btc, strategy: String = "test"
        ) async throws -> [TradingEngine.SignalResult] {
            let stored = await repository.store([
                (
                    strategy: strategy,
                    signal: StrategySignal(
                        symbol: symbol, interval: .oneMinute, side: side, strength: 1, barTime: F.time(index), price: price, reason: "test")
                )
            ])
            return try await engine.handle(signals: stored)
        }
    }

    static func harness(history: [Candle] = F.flat(0..<20), symbols: [Symbol] = [F.btc]) async throws -> Harness {
        let settings = {
            var settings = F.settings()
            settings.symbols = symbols
            return settings
        }()
        let candles = InMemoryCandleStore()
        try await candles.upsert(history)
        let repository = InMemoryTradingRepository(leader: fence)
        let engine = TradingEngine(
            settings: settings, store: repository, candleStore: candles,
            broker: PaperBroker(model: settings.execution, rules: { settings.rules(for: $0) }),
            metrics: EngineMetrics(ServiceMetrics(service: .engine)), startOptions: EngineStartOptions(mode: .paper),
            logger: Logger(label: "test"), crashPoint: nil, standByWait: .milliseconds(200)
        )
        try await engine.lead(fence: fence)
        return Harness(engine: engine, repository: repository, candles: candles)
    }

    @Test("buy then sell: the order, fill, position, trade and cash match the PostgreSQL round trip to the last digit")
    func roundTrip() async throws {
        let h = try await Self.harness()
        let bought = try await h.signal(.buy, bar: 19)
        #expect(bought.map(\.outcome) == ["ordered"])
        #expect(try await h.engine.handle(candles: [F.bar(20, "100", "101", "99", "100")]).fills == 1)
        let position = try #require(await h.repository.positions[F.btc])
        #expect(position.quantity == 25)
        #expect(position.averageEntryPrice == F.decimal("100.19"))
        #expect(position.stops?.stopPrice == F.decimal("96.19"))
        #expect(position.stops?.takeProfitPrice == F.decimal("112.19"))
        #expect(await h.repository.balances.last?.cash == F.decimal("7492.74525"))

        #expect(try await h.signal(.sell, bar: 20).map(\.outcome) == ["ordered"])
        #expect(try await h.engine.handle(candles: [F.bar(21, "102", "103", "101", "102")]).fills == 1)
        let trades = await h.repository.trades
        #expect(trades.count == 1)
        #expect(trades.first?.exitPrice == F.decimal("101.8"))
        #expect(trades.first?.fees == F.decimal("5.04975"))
        #expect(trades.first?.pnl == F.decimal("35.20025"))
        #expect(trades.first?.exitReason == .signal)
        #expect(await h.repository.positions.isEmpty)
        let account = try #require(await h.repository.balances.last)
        #expect(account.cash == 10_000 + F.decimal("35.20025"))
        #expect(account.realizedPnl == F.decimal("40.25"))
        #expect(account.feesPaid == F.decimal("5.04975"))
    }

    @Test("with the capital split, an entry costs at most what is left of its instance's share; a used share or none is refused")
    func entriesSizedFromTheAllocation() async throws {
        let eth = Symbol(rawValue: "ETHUSDT")!
        let history = F.flat(0..<20)
        let h = try await Self.harness(
            history: history
                + history.map {
                    var bar = $0; bar.symbol = eth; return bar
                }, symbols: [F.btc, eth])
        await h.repository.allocate(["test": 1_500, "other": 0])
        #expect(try await h.signal(.buy, bar: 19).map(\.outcome) == ["ordered"])
        #expect(try await h.engine.handle(candles: [F.bar(20, "100", "101", "99", "100")]).fills == 1)
        // Sized by risk alone it would be 25 (see roundTrip); 1,500 at the signal's price 100 allows 15.
        #expect(await h.repository.positions[F.btc]?.quantity == 15)
        let used = try #require(await h.repository.positions[F.btc]).averageEntryPrice * 15
        let second = try await h.signal(.buy, bar: 20, symbol: eth)
        #expect(second.map(\.outcome) == ["rejected"])
        #expect(
            second.first?.detail
                == "allocation_used: test has used its allocation: \(used.rounded(scale: 2)) in positions and working entries of its own against 1500 allocated"
        )
        let other = try await h.signal(.buy, bar: 20, symbol: eth, strategy: "other")
        #expect(other.first?.detail?.hasPrefix("allocation_used: other has no capital allocated in the latest split") == true, "\(other)")
        // Sells are never held back by an allocation.
        #expect(try await h.signal(.sell, bar: 20).map(\.outcome) == ["ordered"])
    }

    @Test("a signal handed over twice is decided once: one order")
    func duplicateSignal() async throws {
        let h = try await Self.harness()
        let stored = await h.repository.store([
            (
                strategy: "test",
                signal: StrategySignal(symbol: F.btc, interval: .oneMinute, side: .buy, strength: 1, barTime: F.time(19), price: 100, reason: "test")
            )
        ])
        #expect(try await h.engine.handle(signals: stored).map(\.outcome) == ["ordered"])
        #expect(try await h.engine.handle(signals: stored).map(\.outcome) == ["duplicate"])
        #expect(await h.repository.orders.count == 1)
    }

    @Test("a stop-out exits the position and is remembered for the cooldown; a later buy is refused with its reason")
    func stopOutThenCooldown() async throws {
        let h = try await Self.harness()
        _ = try await h.signal(.buy, bar: 19)
        _ = try await h.engine.handle(candles: [F.bar(20, "100", "101", "99", "100")])
        // Bar 21 trades through the 96.19 stop.
        #expect(try await h.engine.handle(candles: [F.bar(21, "99", "99", "95", "96")]).fills == 1)
        let trade = try #require(await h.repository.trades.first)
        #expect(trade.exitReason == .stopLoss)
        #expect(await h.repository.positions.isEmpty)
        let refused = try await h.signal(.buy, bar: 21, price: 96)
        #expect(refused.map(\.outcome) == ["rejected"])
        #expect(refused.first?.detail?.contains("cooldown") == true)
    }

    @Test("an operation stuck on storage does not hold trading up: standing by stops without it, and leading again goes on")
    func stuckOperation() async throws {
        let h = try await Self.harness()
        await h.candles.stallReads()
        let stuck = Task { try await h.engine.lead(fence: LeaderFence(backendPID: 2, backendStartMicroseconds: 2)) }
        while await h.engine.status.notReadyReason?.hasPrefix("recovering") != true { try await Task.sleep(for: .milliseconds(5)) }
        // The lock connection failed while recovery waits on a read that never answers.
        await h.engine.standBy(reason: "the leader lock connection failed")
        #expect(await h.engine.status.role == .standby)
        #expect(await h.engine.status.notReadyReason == "the leader lock connection failed")

        // The lock taken again: leading does not wait behind the stuck recovery, and trades once the store answers.
        let again = Task { try await h.engine.lead(fence: Self.fence) }
        await h.candles.resumeReads()
        try await again.value
        #expect(await h.engine.status.ready)
        #expect(try await h.signal(.buy, bar: 19).map(\.outcome) == ["ordered"])
        // The abandoned recovery, answered at last, sees its leadership is over and changes nothing.
        try await stuck.value
        #expect(await h.engine.status.ready)
        #expect(await h.engine.status.role == .leader)
    }

    @Test("an operation abandoned when trading stopped cannot write once the engine leads again: its turn is over")
    func abandonedOperationCannotWrite() async throws {
        let h = try await Self.harness()
        await h.candles.stallReads()
        // An operation holding the turn, stuck on a read; after it, it would write with whatever fence is current.
        let abandoned = Task {
            try await h.engine.serially {
                _ = try await h.candles.candles(exchange: "binance", symbol: F.btc, interval: .oneMinute, after: F.time(0), limit: 1)
                return try await h.engine.requireFence()
            }
        }
        while await h.engine.runningOperationAge == nil { try await Task.sleep(for: .milliseconds(5)) }
        await h.engine.standBy(reason: "the leader lock connection failed")
        await h.candles.resumeReads()
        try await h.engine.lead(fence: Self.fence)
        #expect(await h.engine.status.ready)
        let refused = await #expect(throws: EngineError.self) { try await abandoned.value }
        #expect(refused.map { "\($0)" }?.contains("abandoned") == true)
        // Operations in the current turn still write.
        #expect(try await h.signal(.buy, bar: 19).map(\.outcome) == ["ordered"])
    }

    @Test("a deposed leader writes nothing: the repository refuses its fence")
    func deposedLeader() async throws {
        let h = try await Self.harness()
        await h.repository.setLeader(LeaderFence(backendPID: 2, backendStartMicroseconds: 2))
        await #expect(throws: TradingRepositoryError.notLeader) { try await h.signal(.buy, bar: 19) }
        #expect(await h.repository.orders.isEmpty)
        #expect(await h.repository.signalLog.isEmpty)
    }
}
