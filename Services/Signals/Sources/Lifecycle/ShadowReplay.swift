import Foundation
import KeelsonDomain
import KeelsonFoundation
import KeelsonPersistence
import KeelsonPortfolio
import KeelsonStrategies
import KeelsonTrading

/// A candidate's shadow book: its strategy traded on paper — in a book of its own, never through the engine — over
/// the stored candles since its shadow start, by the same `PortfolioBacktest` steps the portfolio backtest and the
/// engine take. Replayed at every evaluation rather than kept in memory, so each replica and a restarted service
/// measure the same book and nothing of it can be lost.
public struct ShadowReplay: Sendable {
    /// How the shadow book trades: the engine's settings as this service sees them.
    public struct Terms: Sendable, Equatable {
        public var capital: Decimal
        public var risk: RiskSettings
        public var execution: ExecutionModel
        public var rules: [Symbol: SymbolRules]

        /// `KEELSON_ENGINE_CONFIG` when it names the engine's settings file, else the engine's autonomous defaults on
        /// `KEELSON_MAX_CAPITAL` (10000).
        public static func load(environment: EnvironmentReader = EnvironmentReader()) throws(ConfigurationError) -> Terms {
            if let path = environment.string("KEELSON_ENGINE_CONFIG") {
                do {
                    let settings = try TradingSettingsFile.load(path: path)
                    return Terms(capital: settings.maxCapital, risk: settings.risk, execution: settings.execution, rules: settings.symbolRules)
                } catch {
                    throw ConfigurationError(variable: "KEELSON_ENGINE_CONFIG", problem: error.problem)
                }
            }
            let text = environment.string("KEELSON_MAX_CAPITAL") ?? "10000"
            guard let capital = Decimal(string: text), capital > 0 else {
                throw ConfigurationError(
                    variable: "KEELSON_MAX_CAPITAL", problem: "'\(text)' is not an amount; expected a positive number, e.g. 10000")
            }
            return Terms(capital: capital, risk: .conservative(maxCapital: capital), execution: .standard, rules: [:])
        }
    }

    let candles: any CandleStore
    let terms: Terms
    /// Stored bars before the shadow start that warm the strategy's indicators, as a rebuild of the live evaluator does.
    let warmUpBars: Int
    static let page = 10_000

    public init(candles: any CandleStore, terms: Terms, warmUpBars: Int = 1_000) {
        self.candles = candles
        self.terms = terms
        self.warmUpBars = warmUpBars
    }

    /// The round trips `instance` made in its shadow book from `since` to the newest stored bar on `exchange`.
    public func roundTrips(of instance: StrategyInstance, since: Date, exchange: String) async throws -> [AttributedTrade] {
        var strategies: [(symbol: Symbol, strategy: any Strategy)] = []
        var byTime: [Date: [Candle]] = [:]
        for symbol in instance.symbols {
            var strategy = try instance.makeStrategy()
            for bar in try await candles.candles(exchange: exchange, symbol: symbol, interval: instance.interval, before: since, limit: warmUpBars) {
                _ = strategy.evaluate(bar)
            }
            strategies.append((symbol, strategy))
            var after = since.addingTimeInterval(-0.001)
            while true {
                let page = try await candles.candles(exchange: exchange, symbol: symbol, interval: instance.interval, after: after, limit: Self.page)
                for bar in page { byTime[bar.openTime, default: []].append(bar) }
                guard page.count == Self.page, let last = page.last else { break }
                after = last.openTime
            }
        }
        var book = PortfolioBacktest(
            instances: [PortfolioBacktest.Instance(id: instance.id, status: .active, strategies: strategies)],
            configuration: PortfolioBacktest.Configuration(
                initialCash: terms.capital, risk: terms.risk, execution: terms.execution, rules: terms.rules, lifecycle: nil))
        for time in byTime.keys.sorted() { try book.process(byTime[time]!) }
        return book.finish().roundTrips.map(\.attributed)
    }
}
