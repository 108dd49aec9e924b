import Foundation
import KeelsonTrading

/// Results per strategy instance, across every session of this mode (archived trades included): each round trip,
/// fill and open position counts for the instance its entry came from (`orders.strategy`, migration 10).
extension TradingReadRepository {
    /// The window figures are measured over. A named period is the last day, week or 30 days of market time, ending
    /// at the newest exit (a replay's clock is its data's); `since`/`until` bound it explicitly.
    public enum StrategyPeriod: String, Sendable, CaseIterable {
        case daily, weekly, monthly, all

        var days: Double? {
            switch self {
            case .daily: 1
            case .weekly: 7
            case .monthly: 30
            case .all: nil
            }
        }
    }

    /// Trades, fills and positions that belong to no instance (written before attribution) are reported under this id.
    public static let unattributed = "unattributed"

    public struct FiguresView: Codable, Sendable, Equatable {
        public var realizedPnl: String
        public var unrealizedPnl: String
        public var fees: String
        public var trades: Int
        public var wins: Int
        public var winRate: Double?
        public var profitFactor: Double?
        public var expectancy: String?
        public var sharpe: Double?
        public var maxDrawdown: String
        public var maxDrawdownPercent: Double
        public var exposurePercent: Double?
        public var openPositions: Int
        public var fills: Int
        public var averageSlippageBps: Double?
        public var averageLatencyMs: Double?

        enum CodingKeys: String, CodingKey {
            case fees, trades, wins, sharpe, fills
            case realizedPnl = "realized_pnl", unrealizedPnl = "unrealized_pnl", winRate = "win_rate", profitFactor = "profit_factor"
            case expectancy, maxDrawdown = "max_drawdown", maxDrawdownPercent = "max_drawdown_percent", exposurePercent = "exposure_percent"
            case openPositions = "open_positions", averageSlippageBps = "average_slippage_bps", averageLatencyMs = "average_latency_ms"
        }
    }

    public struct SymbolFiguresView: Codable, Sendable {
        public var symbol: String
        public var figures: FiguresView
    }

    public struct StrategyView: Codable, Sendable {
        public var id: String
        /// The built-in strategy and its configuration, as the signal service last recorded them (nil: never configured).
        public var strategy: String?
        public var symbols: [String]
        public var interval: String?
        public var parameters: [String: Double]
        /// Still in the strategies file.
        public var configured: Bool
        public var status: String?
        public var statusReason: String?
        public var statusChangedAt: Date?
        /// What the lifecycle rules would do, in manual mode.
        public var recommendation: String?
        public var recommendationReason: String?
        /// A candidate's figures in its shadow book, as of the latest lifecycle evaluation (it has none on the account).
        public var shadowFigures: [String: String]?
        public var figures: FiguresView
        public var bySymbol: [SymbolFiguresView]
        /// Its latest lifecycle events, newest first (only when one instance is asked for).
        public var history: [LifecycleEventView]? = nil

        enum CodingKeys: String, CodingKey {
            case id, strategy, symbols, interval, parameters, configured, status, figures, history
            case statusReason = "status_reason", statusChangedAt = "status_changed_at", bySymbol = "by_symbol"
            case recommendation, recommendationReason = "recommendation_reason", shadowFigures = "shadow_figures"
        }
    }

    public struct LifecycleEventView: Codable, Sendable, Equatable {
        public var occurredAt: Date
        public var fromStatus: String?
        public var toStatus: String
        public var actor: String
        public var reason: String
        public var figures: [String: String]

        public init(occurredAt: Date, fromStatus: String? = nil, toStatus: String, actor: String, reason: String, figures: [String: String]) {
            self.occurredAt = occurredAt
            self.fromStatus = fromStatus
            self.toStatus = toStatus
            self.actor = actor
            self.reason = reason
            self.figures = figures
        }

        enum CodingKeys: String, CodingKey {
            case actor, reason, figures
            case occurredAt = "occurred_at", fromStatus = "from_status", toStatus = "to_status"
        }
    }

    /// An instance's lifecycle events, newest first.
    public func lifecycleEvents(instance: String, limit: Int) async throws -> [LifecycleEventView] {
        try await storage.lifecycleEvents(instance: instance, limit: limit)
    }

    public struct StrategyPortfolioView: Codable, Sendable {
        public var period: String
        public var since: Date?
        public var until: Date?
        /// The equity base each instance's Sharpe and drawdown are measured on: the session's initial balance.
        public var capital: String
        public var strategies: [StrategyView]
        /// The whole portfolio over the same window: the instances' figures add up to these.
        public var totals: FiguresView
    }

    public struct ExecutionRow: Codable, Sendable, Equatable {
        public var strategy: String
        public var symbol: String
        public var fills: Int
        public var averageSlippageBps: Double?
        public var worstSlippageBps: Double?
        public var averageLatencyMs: Double?
        public var p95LatencyMs: Double?
        public var fees: String

        public init(
            strategy: String, symbol: String, fills: Int, averageSlippageBps: Double? = nil, worstSlippageBps: Double? = nil,
            averageLatencyMs: Double? = nil, p95LatencyMs: Double? = nil, fees: String
        ) {
            self.strategy = strategy
            self.symbol = symbol
            self.fills = fills
            self.averageSlippageBps = averageSlippageBps
            self.worstSlippageBps = worstSlippageBps
            self.averageLatencyMs = averageLatencyMs
            self.p95LatencyMs = p95LatencyMs
            self.fees = fees
        }

        enum CodingKeys: String, CodingKey {
            case strategy, symbol, fills, fees
            case averageSlippageBps = "average_slippage_bps", worstSlippageBps = "worst_slippage_bps", averageLatencyMs = "average_latency_ms"
            case p95LatencyMs = "p95_latency_ms"
        }
    }

    public struct ExecutionView: Codable, Sendable {
        public var since: Date?
        public var until: Date?
        public var rows: [ExecutionRow]

        public init(since: Date?, until: Date?, rows: [ExecutionRow]) {
            self.since = since
            self.until = until
            self.rows = rows
        }
    }

    public func strategyPortfolio(session: SessionView, period: StrategyPeriod, since: Date?, until: Date?) async throws -> StrategyPortfolioView {
        let allTrades = try await attributedTrades()
        let end = until ?? allTrades.map(\.exitTime).max()
        let start = since ?? period.days.flatMap { days in end.map { $0.addingTimeInterval(-days * 86_400) } }
        let trades = allTrades.filter { trade in
            (start.map { trade.exitTime >= $0 } ?? true) && (until.map { trade.exitTime < $0 } ?? true)
        }
        let window = start.flatMap { start in end.map { DateInterval(start: start, end: max(start, $0)) } }
        let capital = Decimal(string: session.initialBalance) ?? 0
        let positions = try await storage.positions(sessionID: session.id)
        let execution = try await execution(since: start, until: until)
        let states = try await storage.strategyStates()

        func figures(_ trades: [AttributedTrade], positions: [TradingPositionRow], fills: [ExecutionRow]) -> FiguresView {
            let measured = StrategyFigures.measure(trades, capital: capital, window: window)
            let fillCount = fills.reduce(0) { $0 + $1.fills }
            func weighted(_ value: KeyPath<ExecutionRow, Double?>) -> Double? {
                let rows = fills.compactMap { row in row[keyPath: value].map { ($0, row.fills) } }
                let count = rows.reduce(0) { $0 + $1.1 }
                return count > 0 ? rows.reduce(0) { $0 + $1.0 * Double($1.1) } / Double(count) : nil
            }
            return FiguresView(
                realizedPnl: measured.realizedPnl.description,
                unrealizedPnl: positions.reduce(Decimal(0)) { $0 + ($1.unrealizedPnl ?? 0) }.description,
                fees: measured.fees.description, trades: measured.trades, wins: measured.wins, winRate: measured.winRate,
                profitFactor: measured.profitFactor, expectancy: measured.expectancy.map { $0.rounded(scale: 8).description },
                sharpe: measured.sharpe, maxDrawdown: measured.maxDrawdown.description, maxDrawdownPercent: measured.maxDrawdownPercent,
                exposurePercent: measured.exposurePercent, openPositions: positions.count, fills: fillCount,
                averageSlippageBps: weighted(\.averageSlippageBps), averageLatencyMs: weighted(\.averageLatencyMs)
            )
        }

        let tradesByStrategy = Dictionary(grouping: trades, by: \.strategy)
        let positionsByStrategy = Dictionary(grouping: positions, by: \.strategy)
        let fillsByStrategy = Dictionary(grouping: execution, by: \.strategy)
        let ids = Set(states.keys).union(tradesByStrategy.keys).union(positionsByStrategy.keys).union(fillsByStrategy.keys)
        let strategies = ids.sorted().map { id -> StrategyView in
            let own = tradesByStrategy[id] ?? []
            let ownPositions = positionsByStrategy[id] ?? []
            let ownFills = fillsByStrategy[id] ?? []
            let state = states[id]
            let symbols = Set(own.map(\.symbol)).union(ownPositions.map(\.symbol)).union(ownFills.map(\.symbol)).union(state?.symbols ?? [])
            return StrategyView(
                id: id, strategy: state?.strategy, symbols: state?.symbols ?? symbols.sorted(), interval: state?.interval,
                parameters: state?.parameters ?? [:], configured: state?.configured ?? false, status: state?.status,
                statusReason: state?.statusReason, statusChangedAt: state?.statusChangedAt, recommendation: state?.recommendation,
                recommendationReason: state?.recommendationReason,
                shadowFigures: state?.status == "candidate" ? state?.shadowFigures : nil,
                figures: figures(own, positions: ownPositions, fills: ownFills),
                bySymbol: symbols.sorted().map { symbol in
                    SymbolFiguresView(
                        symbol: symbol,
                        figures: figures(
                            own.filter { $0.symbol == symbol }, positions: ownPositions.filter { $0.symbol == symbol },
                            fills: ownFills.filter { $0.symbol == symbol }))
                }
            )
        }
        return StrategyPortfolioView(
            period: period.rawValue, since: start, until: until, capital: capital.description, strategies: strategies,
            totals: figures(trades, positions: positions, fills: execution))
    }

    /// Fills by strategy instance and symbol: how far from the decision price they filled and how long they took.
    public func execution(since: Date?, until: Date?) async throws -> [ExecutionRow] { try await storage.execution(since: since, until: until) }

    public struct CapitalView: Codable, Sendable {
        public var computedAt: Date?
        public var capitalLimit: String?
        public var allocated: String
        public var allocations: [CapitalAllocationRecord]

        enum CodingKeys: String, CodingKey {
            case allocated, allocations
            case computedAt = "computed_at", capitalLimit = "capital_limit"
        }
    }

    /// The newest split of the capital limit across strategy instances (empty before the first evaluation).
    public func capital() async throws -> CapitalView {
        let latest = try await storage.latestAllocations()
        return CapitalView(
            computedAt: latest.first?.computedAt, capitalLimit: latest.first?.inputs["capital_limit"],
            allocated: latest.reduce(Decimal(0)) { $0 + $1.amount }.description, allocations: latest)
    }

    /// Every round trip of this mode (archived ones included) with the instance it belongs to.
    public func attributedTrades() async throws -> [AttributedTrade] { try await storage.attributedTrades() }
}
