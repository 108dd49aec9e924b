import Foundation
import KeelsonDomain
import KeelsonTrading

/// The rows the engine's read API is assembled from, in one trading mode. `TradingReadRepository` turns them into
/// views (portfolio, performance, per-strategy figures) the same way whatever holds them: PostgreSQL in the
/// services, memory in router tests.
public protocol TradingReadStorage: Sendable {
    /// The trading mode read ("paper" or "live").
    var mode: String { get }
    /// The open session of this mode, else the newest; or session `id` of this mode when given.
    func session(id: Int64?) async throws -> TradingReadRepository.SessionView?
    /// The newest balance row of a session; nil before the first.
    func latestBalance(sessionID: Int64) async throws -> TradingBalanceRow?
    /// A session's open positions, by symbol.
    func positions(sessionID: Int64) async throws -> [TradingPositionRow]
    /// Newest first, at most `filter.limit + 1` (the extra one says another page exists); nil session: every session.
    func orders(sessionID: Int64?, status: OrderStatus?, filter: TradingReadRepository.ListFilter) async throws -> [TradingReadRepository.OrderView]
    /// Newest first, at most `filter.limit + 1`; nil session: every session.
    func trades(sessionID: Int64?, filter: TradingReadRepository.ListFilter) async throws -> [TradingReadRepository.TradeView]
    /// Every round trip of one session, for its performance periods.
    func closedTrades(sessionID: Int64) async throws -> [ClosedTrade]
    /// The session's balance rows that carry a market time, oldest first.
    func equity(sessionID: Int64) async throws -> [EquityPoint]
    /// The session's equity in [`since`, `until`) thinned to `points` buckets (see `equityCurve(session:…)`).
    func equityCurve(session: TradingReadRepository.SessionView, since: Date?, until: Date?, points: Int) async throws
        -> [TradingReadRepository.EquityPointView]
    /// Every round trip of this mode (archived ones included) with the instance it belongs to.
    func attributedTrades() async throws -> [AttributedTrade]
    /// Fills of this mode by strategy instance and symbol, sorted by both.
    func execution(since: Date?, until: Date?) async throws -> [TradingReadRepository.ExecutionRow]
    /// The lifecycle state of every known strategy instance.
    func strategyStates() async throws -> [String: TradingStrategyStateRow]
    /// An instance's lifecycle events, newest first.
    func lifecycleEvents(instance: String, limit: Int) async throws -> [TradingReadRepository.LifecycleEventView]
    /// The newest split of the capital limit (empty before the first).
    func latestAllocations() async throws -> [CapitalAllocationRecord]
    /// Newest first.
    func riskEvents(sessionID: Int64, limit: Int) async throws -> [TradingReadRepository.RiskEventView]
}

/// An `account_balances` row.
public struct TradingBalanceRow: Sendable, Equatable {
    public var cash: Decimal
    public var equity: Decimal
    public var realizedPnl: Decimal
    public var unrealizedPnl: Decimal
    public var feesPaid: Decimal
    /// Market time, or when it was recorded for rows without one.
    public var asOf: Date

    public init(cash: Decimal, equity: Decimal, realizedPnl: Decimal, unrealizedPnl: Decimal, feesPaid: Decimal, asOf: Date) {
        self.cash = cash
        self.equity = equity
        self.realizedPnl = realizedPnl
        self.unrealizedPnl = unrealizedPnl
        self.feesPaid = feesPaid
        self.asOf = asOf
    }
}

/// A `positions` row with the instance its entry belongs to.
public struct TradingPositionRow: Sendable, Equatable {
    public var symbol: String
    public var quantity: Decimal
    public var averageEntryPrice: Decimal
    public var markPrice: Decimal?
    public var stopPrice: Decimal?
    public var takeProfitPrice: Decimal?
    public var trailingStopPrice: Decimal?
    public var openedAt: Date
    public var strategy: String

    public init(
        symbol: String, quantity: Decimal, averageEntryPrice: Decimal, markPrice: Decimal?, stopPrice: Decimal?, takeProfitPrice: Decimal?,
        trailingStopPrice: Decimal?, openedAt: Date, strategy: String
    ) {
        self.symbol = symbol
        self.quantity = quantity
        self.averageEntryPrice = averageEntryPrice
        self.markPrice = markPrice
        self.stopPrice = stopPrice
        self.takeProfitPrice = takeProfitPrice
        self.trailingStopPrice = trailingStopPrice
        self.openedAt = openedAt
        self.strategy = strategy
    }

    /// At the mark, 8 decimals; nil before the first mark.
    public var unrealizedPnl: Decimal? { markPrice.map { (quantity * ($0 - averageEntryPrice)).rounded(scale: 8) } }
}

/// A `strategy_states` row.
public struct TradingStrategyStateRow: Sendable, Equatable {
    public var strategy: String
    public var symbols: [String]
    public var interval: String
    public var parameters: [String: Double]
    public var configured: Bool
    public var status: String
    public var statusReason: String
    public var statusChangedAt: Date
    public var recommendation: String?
    public var recommendationReason: String?
    public var shadowFigures: [String: String]?

    public init(
        strategy: String, symbols: [String], interval: String, parameters: [String: Double], configured: Bool, status: String,
        statusReason: String, statusChangedAt: Date, recommendation: String? = nil, recommendationReason: String? = nil,
        shadowFigures: [String: String]? = nil
    ) {
        self.strategy = strategy
        self.symbols = symbols
        self.interval = interval
        self.parameters = parameters
        self.configured = configured
        self.status = status
        self.statusReason = statusReason
        self.statusChangedAt = statusChangedAt
        self.recommendation = recommendation
        self.recommendationReason = recommendationReason
        self.shadowFigures = shadowFigures
    }
}
