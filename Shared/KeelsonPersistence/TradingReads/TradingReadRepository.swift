import Foundation
import KeelsonDomain
import KeelsonTrading
import Logging
import PostgresNIO

/// The engine's read API: the views dashboards and the CLI read, assembled from a storage's rows the same way
/// whatever holds them. Money is rendered as decimal strings so no JSON parser rounds it.
public struct TradingReadRepository: Sendable {
    public let storage: any TradingReadStorage

    public init(storage: any TradingReadStorage) {
        self.storage = storage
    }

    /// Reads PostgreSQL: standbys answer them too, and they are what a restart would see.
    public init(client: PostgresClient, mode: String, logger: Logger) {
        self.init(storage: PostgresTradingReadStorage(client: client, mode: mode, logger: logger))
    }

    public var mode: String { storage.mode }

    /// The read repository of the newest session's mode, or nil before any session: what the lifecycle rules judge.
    public static func newestSessionMode(client: PostgresClient, logger: Logger) async throws -> TradingReadRepository? {
        try await PostgresTradingReadStorage.newestSessionMode(client: client, logger: logger).map { TradingReadRepository(storage: $0) }
    }

    public struct SessionView: Codable, Sendable {
        public var id: Int64
        public var mode: String
        public var status: String
        public var statusReason: String?
        public var initialBalance: String
        public var peakEquity: String
        public var tradingDay: String?
        public var dayStartEquity: String?
        public var startedAt: Date
        public var endedAt: Date?
        public var configuration: String

        public init(
            id: Int64, mode: String, status: String, statusReason: String? = nil, initialBalance: String, peakEquity: String,
            tradingDay: String? = nil, dayStartEquity: String? = nil, startedAt: Date, endedAt: Date? = nil, configuration: String
        ) {
            self.id = id
            self.mode = mode
            self.status = status
            self.statusReason = statusReason
            self.initialBalance = initialBalance
            self.peakEquity = peakEquity
            self.tradingDay = tradingDay
            self.dayStartEquity = dayStartEquity
            self.startedAt = startedAt
            self.endedAt = endedAt
            self.configuration = configuration
        }

        enum CodingKeys: String, CodingKey {
            case id, mode, status, configuration
            case statusReason = "status_reason", initialBalance = "initial_balance", peakEquity = "peak_equity", tradingDay = "trading_day"
            case dayStartEquity = "day_start_equity", startedAt = "started_at", endedAt = "ended_at"
        }
    }

    /// The current session of this mode (the open one, else the newest), or session `id` when given.
    public func session(id: Int64? = nil) async throws -> SessionView? { try await storage.session(id: id) }

    public struct PositionView: Codable, Sendable {
        public var symbol: String
        public var quantity: String
        public var averageEntryPrice: String
        public var markPrice: String?
        public var marketValue: String?
        public var unrealizedPnl: String?
        public var stopPrice: String?
        public var takeProfitPrice: String?
        public var trailingStopPrice: String?
        public var openedAt: Date

        enum CodingKeys: String, CodingKey {
            case symbol, quantity
            case averageEntryPrice = "average_entry_price", markPrice = "mark_price", marketValue = "market_value", unrealizedPnl = "unrealized_pnl"
            case stopPrice = "stop_price", takeProfitPrice = "take_profit_price", trailingStopPrice = "trailing_stop_price", openedAt = "opened_at"
        }
    }

    public struct PositionList: Codable, Sendable {
        public var sessionID: Int64?
        public var positions: [PositionView]
        enum CodingKeys: String, CodingKey { case positions; case sessionID = "session_id" }

        public init(sessionID: Int64, positions: [PositionView]) {
            self.sessionID = sessionID
            self.positions = positions
        }
    }

    public func positions(sessionID: Int64) async throws -> [PositionView] {
        try await storage.positions(sessionID: sessionID).map(Self.view)
    }

    static func view(_ row: TradingPositionRow) -> PositionView {
        PositionView(
            symbol: row.symbol, quantity: row.quantity.description, averageEntryPrice: row.averageEntryPrice.description,
            markPrice: row.markPrice?.description, marketValue: row.markPrice.map { (row.quantity * $0).description },
            unrealizedPnl: row.unrealizedPnl?.description, stopPrice: row.stopPrice?.description,
            takeProfitPrice: row.takeProfitPrice?.description, trailingStopPrice: row.trailingStopPrice?.description, openedAt: row.openedAt)
    }

    public struct PortfolioView: Codable, Sendable {
        public var sessionID: Int64
        public var status: String
        public var cash: String
        public var equity: String
        public var exposure: String
        public var realizedPnl: String
        public var unrealizedPnl: String
        public var feesPaid: String
        public var peakEquity: String
        public var drawdownPercent: String
        /// Equity change since the trading day began (UTC, market time); nil before the first day is recorded.
        public var dailyPnl: String?
        /// Equity against the session's initial balance, in percent, 4 decimals.
        public var totalReturnPercent: String
        public var asOf: Date?
        public var positions: [PositionView]

        enum CodingKeys: String, CodingKey {
            case status, cash, equity, exposure, positions
            case sessionID = "session_id", realizedPnl = "realized_pnl", unrealizedPnl = "unrealized_pnl", feesPaid = "fees_paid"
            case peakEquity = "peak_equity", drawdownPercent = "drawdown_percent", dailyPnl = "daily_pnl", totalReturnPercent = "total_return_percent"
            case asOf = "as_of"
        }
    }

    public func portfolio(session: SessionView) async throws -> PortfolioView {
        let initial = Decimal(string: session.initialBalance) ?? 0
        let balance = try await storage.latestBalance(sessionID: session.id)
        let equity = balance?.equity ?? initial
        let positions = try await positions(sessionID: session.id)
        let exposure = positions.reduce(Decimal(0)) { $0 + (Decimal(string: $1.marketValue ?? "") ?? 0) }
        let peak = Decimal(string: session.peakEquity) ?? 0
        let drawdown = peak > 0 ? max(0, (peak - equity) / peak * 100) : 0
        let totalReturn = initial > 0 ? (equity - initial) / initial * 100 : 0
        return PortfolioView(
            sessionID: session.id, status: session.status, cash: (balance?.cash ?? initial).description, equity: equity.description,
            exposure: exposure.description, realizedPnl: (balance?.realizedPnl ?? 0).description,
            unrealizedPnl: (balance?.unrealizedPnl ?? 0).description, feesPaid: (balance?.feesPaid ?? 0).description,
            peakEquity: session.peakEquity, drawdownPercent: drawdown.rounded(scale: 4).description,
            dailyPnl: session.dayStartEquity.flatMap { Decimal(string: $0) }.map { (equity - $0).description },
            totalReturnPercent: totalReturn.rounded(scale: 4).description, asOf: balance?.asOf, positions: positions
        )
    }

    public struct OrderView: Codable, Sendable {
        public var id: Int64
        public var clientOrderID: String
        public var symbol: String
        public var side: String
        public var type: String
        public var quantity: String
        public var status: String
        public var filledQuantity: String
        public var averageFillPrice: String?
        public var cause: String
        public var signalID: Int64?
        /// The strategy instance it belongs to (an exit: the instance whose entry opened the position).
        public var strategy: String?
        public var rejectReason: String?
        public var createdAt: Date
        public var updatedAt: Date

        public init(
            id: Int64, clientOrderID: String, symbol: String, side: String, type: String, quantity: String, status: String, filledQuantity: String,
            averageFillPrice: String? = nil, cause: String, signalID: Int64? = nil, strategy: String? = nil, rejectReason: String? = nil,
            createdAt: Date, updatedAt: Date
        ) {
            self.id = id
            self.clientOrderID = clientOrderID
            self.symbol = symbol
            self.side = side
            self.type = type
            self.quantity = quantity
            self.status = status
            self.filledQuantity = filledQuantity
            self.averageFillPrice = averageFillPrice
            self.cause = cause
            self.signalID = signalID
            self.strategy = strategy
            self.rejectReason = rejectReason
            self.createdAt = createdAt
            self.updatedAt = updatedAt
        }

        enum CodingKeys: String, CodingKey {
            case id, symbol, side, type, quantity, status, cause, strategy
            case clientOrderID = "client_order_id", filledQuantity = "filled_quantity", averageFillPrice = "average_fill_price"
            case signalID = "signal_id", rejectReason = "reject_reason", createdAt = "created_at", updatedAt = "updated_at"
        }
    }

    /// Which rows of a list a dashboard asked for; newest first, `before` is the id cursor of the next page.
    public struct ListFilter: Sendable {
        public var symbol: String?
        /// The strategy instance the rows belong to.
        public var strategy: String?
        public var since: Date?
        public var until: Date?
        public var before: Int64?
        public var limit: Int

        public init(symbol: String?, strategy: String? = nil, since: Date?, until: Date?, before: Int64?, limit: Int) {
            self.symbol = symbol
            self.strategy = strategy
            self.since = since
            self.until = until
            self.before = before
            self.limit = limit
        }
    }

    public struct OrderList: Codable, Sendable {
        public var orders: [OrderView]
        /// Pass as `before` for the next (older) page; nil on the last page.
        public var nextBefore: Int64?
        enum CodingKeys: String, CodingKey { case orders; case nextBefore = "next_before" }
    }

    /// Orders by placement time (`created_at`), of one session or (nil) of every session of this mode.
    public func orders(sessionID: Int64?, status: OrderStatus?, filter: ListFilter) async throws -> OrderList {
        let page = Self.page(try await storage.orders(sessionID: sessionID, status: status, filter: filter), limit: filter.limit, id: \.id)
        return OrderList(orders: page.rows, nextBefore: page.nextBefore)
    }

    /// The first `limit` of rows fetched one beyond it, and the cursor of the next page when there was one more.
    static func page<Row>(_ rows: [Row], limit: Int, id: KeyPath<Row, Int64>) -> (rows: [Row], nextBefore: Int64?) {
        guard rows.count > limit else { return (rows, nil) }
        let shown = Array(rows.prefix(limit))
        return (shown, shown.last?[keyPath: id])
    }

    public struct TradeView: Codable, Sendable {
        public var id: Int64
        public var symbol: String
        public var side: String
        public var quantity: String
        public var entryTime: Date
        public var entryPrice: String
        public var exitTime: Date
        public var exitPrice: String
        public var pnl: String
        public var fees: String
        public var exitReason: String
        /// The strategy instance whose entry opened it.
        public var strategy: String?

        public init(
            id: Int64, symbol: String, side: String, quantity: String, entryTime: Date, entryPrice: String, exitTime: Date, exitPrice: String,
            pnl: String, fees: String, exitReason: String, strategy: String? = nil
        ) {
            self.id = id
            self.symbol = symbol
            self.side = side
            self.quantity = quantity
            self.entryTime = entryTime
            self.entryPrice = entryPrice
            self.exitTime = exitTime
            self.exitPrice = exitPrice
            self.pnl = pnl
            self.fees = fees
            self.exitReason = exitReason
            self.strategy = strategy
        }

        enum CodingKeys: String, CodingKey {
            case id, symbol, side, quantity, pnl, fees, strategy
            case entryTime = "entry_time", entryPrice = "entry_price", exitTime = "exit_time", exitPrice = "exit_price", exitReason = "exit_reason"
        }
    }

    public struct TradePage: Codable, Sendable {
        public var trades: [TradeView]
        /// Pass as `before` for the next (older) page; nil on the last page.
        public var nextBefore: Int64?
        enum CodingKeys: String, CodingKey { case trades; case nextBefore = "next_before" }
    }

    /// Trades by exit time (market time), of one session or (nil) of every session of this mode.
    public func trades(sessionID: Int64?, filter: ListFilter) async throws -> TradePage {
        let page = Self.page(try await storage.trades(sessionID: sessionID, filter: filter), limit: filter.limit, id: \.id)
        return TradePage(trades: page.rows, nextBefore: page.nextBefore)
    }

    public struct PerformanceView: Codable, Sendable {
        public var period: String
        /// The session so far, as the portfolio reports it: equity change since the trading day began (nil before the
        /// first day is recorded) and equity against the initial balance in percent.
        public var dailyPnl: String?
        public var totalReturnPercent: String
        public var periods: [PeriodPerformance]

        enum CodingKeys: String, CodingKey {
            case period, periods
            case dailyPnl = "daily_pnl", totalReturnPercent = "total_return_percent"
        }
    }

    public func performance(session: SessionView, period: PerformancePeriod) async throws -> PerformanceView {
        let portfolio = try await portfolio(session: session)
        let trades = try await storage.closedTrades(sessionID: session.id)
        let equity = try await storage.equity(sessionID: session.id)
        return PerformanceView(
            period: period.rawValue, dailyPnl: portfolio.dailyPnl, totalReturnPercent: portfolio.totalReturnPercent,
            periods: PerformanceReport.periods(trades: trades, equity: equity, period: period, calendar: .everyDay))
    }

    public struct RiskEventView: Codable, Sendable {
        public var id: Int64
        public var kind: String
        public var symbol: String?
        public var reason: String
        public var occurredAt: Date

        public init(id: Int64, kind: String, symbol: String? = nil, reason: String, occurredAt: Date) {
            self.id = id
            self.kind = kind
            self.symbol = symbol
            self.reason = reason
            self.occurredAt = occurredAt
        }

        enum CodingKeys: String, CodingKey { case id, kind, symbol, reason; case occurredAt = "occurred_at" }
    }

    public func riskEvents(sessionID: Int64, limit: Int) async throws -> [RiskEventView] {
        try await storage.riskEvents(sessionID: sessionID, limit: limit)
    }
}
