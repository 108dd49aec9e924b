import Foundation
import KeelsonDomain
import KeelsonPortfolio
import KeelsonStrategies
import KeelsonTestSupport
import KeelsonTrading
import Testing

/// The lifecycle and allocation rules replayed on data/sample: what `make run` shows live, on history.
@Suite("Portfolio backtest: lifecycle and allocation replayed on history")
struct PortfolioBacktestTests {
    static let btc = Symbol(rawValue: "BTCUSDT")!
    static let eth = Symbol(rawValue: "ETHUSDT")!

    static func sample(_ symbol: Symbol) throws -> [Candle] {
        let path = ServiceProcess.packageRoot.appendingPathComponent("data/sample/\(symbol.rawValue)-1m.csv").path
        return CandleCSV.candles(try CandleCSV.load(path: path), exchange: "replay", symbol: symbol, interval: .oneMinute)
    }

    /// config/strategies.json's thresholds.
    static func rules(mode: StrategyLifecycleRules.Mode = .automatic) -> StrategyLifecycleRules {
        StrategyLifecycleRules(
            mode: mode, evaluationInterval: .seconds(60), minimumTrades: 5, minimumDays: 0.25,
            promotion: .init(maxDrawdownPercent: 2, minSharpe: nil, minWinRate: 0.3),
            probation: .init(maxDrawdownPercent: 1, minSharpe: nil, minWinRate: 0.3),
            retire: .init(maxDrawdownPercent: 3, minSharpe: nil, minWinRate: 0.15))
    }

    static func run(candidate: StrategyStatus = .candidate, mode: StrategyLifecycleRules.Mode = .automatic) throws -> PortfolioBacktestResult {
        func sma(_ symbol: Symbol) throws -> (symbol: Symbol, strategy: any Strategy) {
            (symbol, try StrategyCatalog.make("sma_crossover", parameters: ["fast": 30, "slow": 90]))
        }
        let instances = [
            PortfolioBacktest.Instance(id: "btc_sma", status: .active, strategies: [try sma(btc)]),
            PortfolioBacktest.Instance(id: "eth_sma", status: .active, strategies: [try sma(eth)]),
            PortfolioBacktest.Instance(
                id: "rsi", status: candidate,
                strategies: try [btc, eth].map {
                    ($0, try StrategyCatalog.make("rsi_mean_reversion", parameters: ["period": 30, "oversold": 35, "overbought": 65]))
                }),
        ]
        let risk = RiskSettings.conservative(maxCapital: 10_000)
        var backtest = PortfolioBacktest(
            instances: instances,
            configuration: .init(initialCash: 10_000, risk: risk, execution: .standard, rules: [:], lifecycle: rules(mode: mode)))
        for (a, b) in zip(try sample(btc), try sample(eth)) { try backtest.process([a, b]) }
        return backtest.finish()
    }

    @Test("a losing instance goes to probation, then is retired at the configured points; retired, it enters no more and its sells still exit")
    func probationThenRetired() throws {
        let result = try Self.run(candidate: .active)
        let moves = result.transitions.filter { $0.instance == "btc_sma" }
        #expect(moves.map(\.to) == [.probation, .retired], "\(moves)")
        let probation = try #require(moves.first), retired = try #require(moves.last)
        #expect(probation.reason.contains("win rate") && probation.trades >= 5)
        #expect(retired.time > probation.time && retired.reason.hasPrefix("retired:"))
        let btc = try #require(result.instances.first { $0.id == "btc_sma" })
        #expect(btc.finalStatus == .retired)
        #expect(btc.roundTrips.allSatisfy { $0.trade.entryTime <= retired.time }, "no entry after the retirement")
        #expect(btc.suppressedSignals > 0, "its later buys were kept from the book")
        // Allocation follows: a retired instance has no share; the sum never exceeds the capital.
        for split in result.allocations {
            #expect(split.amounts.values.reduce(0, +) <= result.initialCash)
        }
        let last = try #require(result.allocations.last)
        #expect(last.amounts["btc_sma"] == 0)
        #expect(result.instances.map(\.figures.realizedPnl).reduce(0, +) == result.roundTrips.map(\.trade.pnl).reduce(0, +))
    }

    @Test("a candidate trades only in its shadow book until its shadow figures promote it; then on the account")
    func candidateInShadow() throws {
        let result = try Self.run()
        let rsi = try #require(result.instances.first { $0.id == "rsi" })
        #expect(!rsi.shadowRoundTrips.isEmpty, "it traded in shadow")
        let promotion = result.transitions.first { $0.instance == "rsi" && $0.to == .active }
        if let promotion {
            #expect(promotion.from == .candidate && promotion.reason.hasPrefix("promoted:"))
            #expect(rsi.roundTrips.allSatisfy { $0.trade.entryTime > promotion.time }, "nothing on the account before promotion")
        } else {
            #expect(rsi.roundTrips.isEmpty, "never promoted: nothing on the account")
        }
        for split in result.allocations where promotion.map({ split.time < $0.time }) ?? true {
            #expect(split.amounts["rsi"] == 0, "a candidate has no capital")
        }
    }

    @Test("manual mode: the rules only recommend; every instance keeps its state")
    func manualRecommends() throws {
        let result = try Self.run(candidate: .active, mode: .manual)
        #expect(!result.transitions.isEmpty)
        #expect(result.transitions.allSatisfy { !$0.applied })
        #expect(result.instances.allSatisfy { $0.finalStatus == .active })
    }
}
