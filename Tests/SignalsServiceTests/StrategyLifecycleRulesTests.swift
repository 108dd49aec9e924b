import Foundation
import KeelsonDomain
import KeelsonFoundation
import KeelsonPersistence
import KeelsonPortfolio
import KeelsonStrategies
import KeelsonTestSupport
import KeelsonTrading
import Logging
import PostgresNIO
import Testing

@testable import SignalsService

@Suite("Strategy lifecycle rules: probation and retirement from measured figures, never on too few trades")
struct StrategyLifecycleRulesTests {
    static let rules = StrategyLifecycleRules(
        minimumTrades: 4, minimumDays: 0.5,
        probation: .init(maxDrawdownPercent: 2, minSharpe: nil, minWinRate: 0.4),
        retire: .init(maxDrawdownPercent: 4, minSharpe: nil, minWinRate: 0.2))
    static let start = Date(timeIntervalSince1970: 1_709_251_200)

    static func trades(_ pnls: [Decimal], strategy: String = "s") -> [AttributedTrade] {
        pnls.enumerated().map { index, pnl in
            let exit = start.addingTimeInterval(Double(index + 1) * 21_600)
            return AttributedTrade(
                strategy: strategy, symbol: "BTCUSDT", entryTime: exit.addingTimeInterval(-3_600), exitTime: exit, pnl: pnl, fees: 0)
        }
    }

    static func decide(_ status: StrategyStatus, _ pnls: [Decimal], spanDays: Double = 2) -> StrategyLifecycleRules.Decision? {
        rules.decide(current: status, figures: StrategyFigures.measure(trades(pnls), capital: 10_000), spanDays: spanDays)
    }

    @Test("active → probation → retired at the configured points; recovered → active; too few trades or days → nothing")
    func decisions() {
        // 350 lost from a 10,100 peak: 3.47 % drawdown (over 2 %, under the 4 % retirement line), win rate 25 % (under 40 %,
        // over the 20 % retirement line).
        #expect(Self.decide(.active, [100, -150, -100, -100])?.target == .probation)
        #expect(Self.decide(.active, [100, -150, -100, -100])?.reason == "probation: drawdown 3.47 % above 2.00 %; win rate 25.0 % below 40.0 %")
        #expect(Self.decide(.probation, [100, -150, -100, -100]) == nil)  // within the retirement line: stays on probation
        #expect(Self.decide(.probation, [100, -150, -100, -100, -100])?.reason == "retired: drawdown 4.46 % above 4.00 %")
        #expect(
            Self.decide(.probation, [100, -150, -100, -100, -100, -200])?.reason
                == "retired: drawdown 6.44 % above 4.00 %; win rate 16.7 % below 20.0 %")
        #expect(Self.decide(.probation, [100, 50, -10, 20])?.target == .active)
        #expect(Self.decide(.active, [100, -150, -100]) == nil)  // three trades: too few
        #expect(Self.decide(.active, [100, -150, -100, -100], spanDays: 0.25) == nil)  // six hours: too short
        #expect(Self.decide(.retired, [100, -150, -100, -100]) == nil)
        #expect(Self.decide(.candidate, [100, -150, -100, -100]) == nil)
    }

    @Test("the strategies file's lifecycle block, and its mistakes named")
    func configuration() throws {
        let json = """
            {"strategies": [{"id": "a", "strategy": "sma_crossover", "symbols": ["BTCUSDT"], "interval": "1m"}],
             "lifecycle": {"mode": "manual", "evaluate_every_seconds": 30, "min_trades": 5, "min_days": 0.5,
                           "probation": {"max_drawdown_percent": 3, "min_win_rate": 0.3}, "retire": {"min_sharpe": -1}}}
            """
        let rules = try StrategiesFile.parseContents(Data(json.utf8), source: "s.json").rules
        #expect(rules.mode == .manual)
        #expect(rules.evaluationInterval == .seconds(30))
        #expect(rules.minimumTrades == 5 && rules.minimumDays == 0.5)
        #expect(rules.probation == .init(maxDrawdownPercent: 3, minSharpe: nil, minWinRate: 0.3))
        #expect(rules.retire == .init(maxDrawdownPercent: nil, minSharpe: -1, minWinRate: nil))
        for (lifecycle, message) in [
            (#"{"mode": "auto"}"#, "lifecycle.mode: 'auto' is not a mode; expected automatic or manual"),
            (#"{"min_trades": 0}"#, "lifecycle.min_trades: 0 is out of bounds; expected 1 or more"),
            (#"{"probation": {"min_win_rate": 40}}"#, "lifecycle.probation.min_win_rate: 40.0 is out of bounds; expected a fraction from 0 to 1"),
            (#"{"retire": {"drawdown": 5}}"#, "lifecycle.retire.drawdown: unknown key; allowed: max_drawdown_percent, min_sharpe, min_win_rate"),
            (#"{"cadence": 5}"#, "lifecycle.cadence: unknown key"),
        ] {
            let text = #"{"strategies": [], "lifecycle": "# + lifecycle + "}"
            #expect { try StrategiesFile.parseContents(Data(text.utf8), source: "s.json") } throws: { error in
                (error as? ConfigurationError)?.description.contains(message) == true
            }
        }
    }

    @Test("the evaluator moves instances on stored figures (one event with the figures), or only recommends in manual mode")
    func evaluatorOnPostgres() async throws {
        try await TestDatabase.withMigratedDatabase { _, postgres in
            let logger = TestDatabase.logger
            try await postgres.query(
                "INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity) VALUES ('paper', 'active', 10000, 10000)", logger: logger)
            for trade in Self.trades([100, -150, -100, -100], strategy: "loser") + Self.trades([100, 50, -10, 20], strategy: "winner") {
                try await postgres.query(
                    """
                    INSERT INTO trades (session_id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, pnl, fees, exit_reason, strategy)
                    VALUES (1, 'BTCUSDT', 'long', 1, \(trade.entryTime), 100, \(trade.exitTime), 100, \(trade.pnl), 0, 'signal', \(trade.strategy))
                    """, logger: logger)
            }
            let store = PostgresStrategyLifecycleStore(client: postgres, logger: logger)
            let registrations = ["loser", "winner", "gone"].map {
                StrategyRegistration(
                    instance: $0, strategy: "sma_crossover", symbols: ["BTCUSDT"], interval: "1m", parametersJSON: "{}", initialStatus: .active)
            }
            _ = try await store.register(registrations)
            // "gone" leaves the file: it stays recorded, not configured, and gets neither judgement nor capital.
            let remaining = try await store.register(Array(registrations.prefix(2)))
            #expect(remaining["gone"]?.configured == false && remaining["loser"]?.configured == true)
            let gate = StrategyLifecycleGate(store: store, instances: [], metrics: nil, logger: logger)
            var manual = Self.rules
            manual.mode = .manual
            let recommending = StrategyLifecycleEvaluator(rules: manual, store: store, gate: gate, postgres: postgres, metrics: nil, logger: logger)
            _ = try await recommending.evaluate()
            let recommended = try await postgres.query(
                "SELECT instance, status, coalesce(recommendation, '-') FROM strategy_states WHERE configured ORDER BY instance", logger: logger
            ).collect().map { try $0.decode((String, String, String).self) }.map { "\($0.0) \($0.1) \($0.2)" }
            #expect(recommended == ["loser active probation", "winner active -"])
            let reads = try #require(try await TradingReadRepository.newestSessionMode(client: postgres, logger: logger))
            let view = try await reads.strategyPortfolio(session: try #require(try await reads.session()), period: .all, since: nil, until: nil)
            #expect(view.strategies.first { $0.id == "loser" }?.recommendationReason?.hasPrefix("probation: drawdown 3.47 %") == true)

            let automatic = StrategyLifecycleEvaluator(rules: Self.rules, store: store, gate: gate, postgres: postgres, metrics: nil, logger: logger)
            let outcomes = try await automatic.evaluate()
            #expect(outcomes.map(\.applied) == [true, false])
            _ = try await automatic.evaluate()  // probation, within the retirement line: stays
            let events = try await postgres.query(
                """
                SELECT instance, from_status, to_status, actor, figures->>'trades', figures->>'win_rate', coalesce(recommendation, '-')
                FROM strategy_lifecycle_events JOIN strategy_states USING (instance) WHERE actor = 'rules'
                """, logger: logger
            ).collect().map { try $0.decode((String, String, String, String, String, String, String).self) }
            #expect(
                events.map { "\($0.0) \($0.1)>\($0.2) \($0.3) trades=\($0.4) win_rate=\($0.5) recommendation=\($0.6)" } == [
                    "loser active>probation rules trades=4 win_rate=0.2500 recommendation=-"
                ])
            #expect(try await gate.status(of: "loser") == .probation)

            // Each evaluation splits the capital: the loser on probation at half weight. Unchanged, nothing new is written.
            let allocation = try await reads.capital()
            #expect(allocation.allocations.map(\.instance) == ["loser", "winner"])
            #expect(allocation.allocations.map(\.status) == ["probation", "active"])
            #expect(Decimal(string: allocation.allocated)! <= 10_000)
            let rows = try await postgres.query("SELECT count(*)::int FROM capital_allocations", logger: logger).collect().first?.decode(Int.self)
            _ = try await automatic.evaluate()
            let again = try await postgres.query("SELECT count(*)::int FROM capital_allocations", logger: logger).collect().first?.decode(Int.self)
            #expect(rows == again)
        }
    }
}
