import Foundation
import KeelsonDomain
import KeelsonFoundation
import KeelsonPersistence
import KeelsonPortfolio
import KeelsonStrategies
import KeelsonTestSupport
import KeelsonTrading
import PostgresNIO
import Testing

@testable import SignalsService

@Suite("Shadow books: a candidate trades on paper beside the portfolio, never through the engine, and is promoted on its figures")
struct ShadowBookTests {
    static func instances() throws -> [StrategyInstance] {
        let json = """
            {"strategies": [
              {"id": "goog_macd", "strategy": "macd_trend", "symbols": ["GOOG"], "interval": "1d"},
              {"id": "goog_sma_new", "strategy": "sma_crossover", "symbols": ["GOOG"], "interval": "1d", "parameters": {"fast": 10, "slow": 30},
               "lifecycle": "candidate"}
            ]}
            """
        return try StrategiesFile.parse(Data(json.utf8), source: "test.json")
    }

    @Test("the candidate's signals are never admitted; its shadow book starts at its first bars, replays alike everywhere, and promotes it")
    func candidatePromotedFromItsShadowBook() async throws {
        let candles = try SignalServiceTests.googCandles()
        try await TestDatabase.withMigratedDatabase { _, postgres in
            let logger = TestDatabase.logger
            try await postgres.query(
                "INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity) VALUES ('paper', 'active', 10000, 10000)", logger: logger)
            let instances = try Self.instances()
            let store = PostgresCandleStore(client: postgres, logger: logger)
            let lifecycle = PostgresStrategyLifecycleStore(client: postgres, logger: logger)
            let gate = StrategyLifecycleGate(store: lifecycle, instances: instances, metrics: nil, logger: logger)
            let evaluator = StrategyEvaluator(instances: instances, candles: store, metrics: nil)
            // As the candles route: store, evaluate, start shadows, admit.
            let warm = Array(candles[0..<200])
            try await store.upsert(warm)
            var admitted: [(strategy: String, signal: StrategySignal)] = []
            var produced: [String] = []
            for start in stride(from: 200, to: candles.count, by: 100) {
                let batch = Array(candles[start..<min(start + 100, candles.count)])
                try await store.upsert(batch)
                let evaluated = try await evaluator.evaluate(batch)
                produced += evaluated.map(\.strategy)
                try await gate.startShadows(for: batch)
                admitted += try await gate.admit(evaluated)
            }
            #expect(produced.contains("goog_sma_new"), "the candidate is evaluated")
            #expect(!admitted.contains { $0.strategy == "goog_sma_new" }, "a candidate's signal never reaches the engine")
            let since = try #require(try await lifecycle.states()["goog_sma_new"]?.shadowSince)
            #expect(since == candles[299].openTime, "the shadow book starts at the newest bar of the first batch it was evaluated on")
            #expect(try await lifecycle.states()["goog_macd"]?.shadowSince == nil, "only candidates have a shadow book")

            let terms = try ShadowReplay.Terms.load(environment: EnvironmentReader([:]))
            let replay = ShadowReplay(candles: store, terms: terms)
            let shadow = try await replay.roundTrips(of: instances[1], since: since, exchange: "replay")
            #expect(shadow.count >= 5, "it trades in shadow: \(shadow.count) round trips")
            #expect(shadow.allSatisfy { $0.entryTime > since })
            #expect(try await replay.roundTrips(of: instances[1], since: since, exchange: "replay") == shadow, "a replay is the same book")

            let rules = StrategyLifecycleRules(
                minimumTrades: 5, minimumDays: 30, promotion: .init(maxDrawdownPercent: nil, minSharpe: nil, minWinRate: nil),
                probation: .init(maxDrawdownPercent: nil, minSharpe: nil, minWinRate: nil),
                retire: .init(maxDrawdownPercent: nil, minSharpe: nil, minWinRate: nil))
            let figures = StrategyFigures.measure(shadow, capital: 10_000)
            #expect(figures.realizedPnl > 0, "SMA(10, 30) makes money on GOOG, in shadow too")
            // Manual mode: the candidate stays one; its shadow figures and the recommendation are shown.
            var manual = rules
            manual.mode = .manual
            _ = try await StrategyLifecycleEvaluator(
                rules: manual, store: lifecycle, gate: gate, postgres: postgres, metrics: nil, logger: logger, shadow: (replay, evaluator)
            ).evaluate()
            let reads = try #require(try await TradingReadRepository.newestSessionMode(client: postgres, logger: logger))
            let view = try await reads.strategyPortfolio(session: try #require(try await reads.session()), period: .all, since: nil, until: nil)
            let candidate = try #require(view.strategies.first { $0.id == "goog_sma_new" })
            #expect(candidate.status == "candidate" && candidate.recommendation == "active")
            #expect(candidate.shadowFigures?["trades"] == String(shadow.count))
            #expect(candidate.figures.trades == 0, "nothing of it on the account")
            #expect(view.strategies.first { $0.id == "goog_macd" }?.shadowFigures == nil)

            let lifecycleEvaluator = StrategyLifecycleEvaluator(
                rules: rules, store: lifecycle, gate: gate, postgres: postgres, metrics: nil, logger: logger, shadow: (replay, evaluator))
            let outcomes = try await lifecycleEvaluator.evaluate()
            #expect(outcomes.first { $0.instance == "goog_sma_new" }?.applied == true)
            #expect(try await gate.status(of: "goog_sma_new") == .active)
            let event = try await postgres.query(
                """
                SELECT from_status, to_status, actor, figures->>'trades', figures->>'source' FROM strategy_lifecycle_events
                WHERE instance = 'goog_sma_new' AND actor = 'rules'
                """, logger: logger
            ).collect().map { try $0.decode((String, String, String, String, String).self) }
            #expect(event.map { "\($0.0)>\($0.1) \($0.2) trades=\($0.3) \($0.4)" } == ["candidate>active rules trades=\(shadow.count) shadow book"])
            // Promoted, its next entries reach the engine.
            let later = try await gate.admit([
                (
                    "goog_sma_new",
                    StrategySignal(
                        symbol: Symbol(rawValue: "GOOG")!, interval: .oneDay, side: .buy, strength: 1, barTime: candles.last!.openTime, price: 1,
                        reason: "t")
                )
            ])
            #expect(later.count == 1)
        }
    }
}
