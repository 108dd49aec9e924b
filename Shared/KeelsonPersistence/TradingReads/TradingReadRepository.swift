import Foundation
import KeelsonDomain
import KeelsonTrading
import Logging
import PostgresNIO

/// The engine's read API, straight from PostgreSQL: standbys answer it too, and it is what a restart would see.
/// Money is rendered as decimal strings so no JSON parser rounds it.
public struct TradingReadRepository: Sendable {
    let client: PostgresClient
    public let mode: String
    let logger: Logger

    public init(client: PostgresClient, mode: String, logger: Logger) {
        self.client = client
        self.mode = mode
        self.logger = logger
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

        enum CodingKeys: String, CodingKey {
            case id, mode, status, configuration
            case statusReason = "status_reason", initialBalance = "initial_balance", peakEquity = "peak_equity", tradingDay = "trading_day"
            case dayStartEquity = "day_start_equity", startedAt = "started_at", endedAt = "ended_at"
        }
    }

    /// The current session of this mode (the open one, else the newest), or session `id` when given.
    public func session(id: Int64? = nil) async throws -> SessionView? {
        let rows = try await client.query(
            """
            SELECT id, mode, status, status_reason, initial_balance, peak_equity, trading_day::text, day_start_equity, started_at, ended_at,
                   configuration::text
            FROM trading_sessions WHERE mode = \(mode) AND (\(id)::bigint IS NULL OR id = \(id))
            ORDER BY (ended_at IS NULL) DESC, id DESC LIMIT 1
            """, logger: logger
        )
        for try await (id, mode, status, reason, initial, peak, day, dayStart, started, ended, configuration)
            in rows.decode((Int64, String, String, String?, Decimal, Decimal, String?, Decimal?, Date, Date?, String).self)
        {
            return SessionView(
                id: id, mode: mode, status: status, statusReason: reason, initialBalance: initial.description, peakEquity: peak.description,
                tradingDay: day, dayStartEquity: dayStart?.description, startedAt: started, endedAt: ended, configuration: configuration
            )
        }
        return nil
    }

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
        let rows = try await client.query(
            """
            SELECT symbol, quantity, average_entry_price, mark_price, stop_price, take_profit_price, trailing_stop_price, opened_at
            FROM positions WHERE session_id = \(sessionID) ORDER BY symbol
            """, logger: logger
        )
        var result: [PositionView] = []
        for try await (symbol, quantity, average, mark, stop, takeProfit, trailing, opened)
            in rows.decode((String, Decimal, Decimal, Decimal?, Decimal?, Decimal?, Decimal?, Date).self)
        {
            result.append(
                PositionView(
                    symbol: symbol, quantity: quantity.description, averageEntryPrice: average.description, markPrice: mark?.description,
                    marketValue: mark.map { (quantity * $0).description },
                    unrealizedPnl: mark.map { (quantity * ($0 - average)).rounded(scale: 8).description },
                    stopPrice: stop?.description, takeProfitPrice: takeProfit?.description, trailingStopPrice: trailing?.description, openedAt: opened
                ))
        }
        return result
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
        var cash = Decimal(string: session.initialBalance) ?? 0
        var equity = cash
        var realized = Decimal(0)
        var unrealized = Decimal(0)
        var fees = Decimal(0)
        var asOf: Date?
        let rows = try await client.query(
            """
            SELECT cash, equity, realized_pnl, unrealized_pnl, fees_paid, coalesce(market_time, recorded_at)
            FROM account_balances WHERE session_id = \(session.id) ORDER BY id DESC LIMIT 1
            """, logger: logger
        )
        for try await (c, e, r, u, f, t) in rows.decode((Decimal, Decimal, Decimal, Decimal, Decimal, Date).self) {
            (cash, equity, realized, unrealized, fees, asOf) = (c, e, r, u, f, t)
        }
        let positions = try await positions(sessionID: session.id)
        let exposure = positions.reduce(Decimal(0)) { $0 + (Decimal(string: $1.marketValue ?? "") ?? 0) }
        let peak = Decimal(string: session.peakEquity) ?? 0
        let drawdown = peak > 0 ? max(0, (peak - equity) / peak * 100) : 0
        let initial = Decimal(string: session.initialBalance) ?? 0
        let totalReturn = initial > 0 ? (equity - initial) / initial * 100 : 0
        return PortfolioView(
            sessionID: session.id, status: session.status, cash: cash.description, equity: equity.description, exposure: exposure.description,
            realizedPnl: realized.description, unrealizedPnl: unrealized.description, feesPaid: fees.description, peakEquity: session.peakEquity,
            drawdownPercent: drawdown.rounded(scale: 4).description,
            dailyPnl: session.dayStartEquity.flatMap { Decimal(string: $0) }.map { (equity - $0).description },
            totalReturnPercent: totalReturn.rounded(scale: 4).description, asOf: asOf, positions: positions
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
        let rows = try await client.query(
            """
            SELECT id, client_order_id, symbol, side, type, quantity, status, filled_quantity, average_fill_price, cause, signal_id,
                   strategy, reject_reason, created_at, updated_at
            FROM orders WHERE session_id IN (SELECT id FROM trading_sessions WHERE mode = \(mode) AND (\(sessionID)::bigint IS NULL OR id = \(sessionID)))
              AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
              AND (\(filter.symbol)::text IS NULL OR symbol = \(filter.symbol))
              AND (\(filter.strategy)::text IS NULL OR strategy = \(filter.strategy))
              AND (\(filter.since)::timestamptz IS NULL OR created_at >= \(filter.since))
              AND (\(filter.until)::timestamptz IS NULL OR created_at < \(filter.until))
              AND (\(filter.before)::bigint IS NULL OR id < \(filter.before))
            ORDER BY id DESC LIMIT \(filter.limit + 1)
            """, logger: logger
        )
        var result: [OrderView] = []
        for try await (id, clientID, symbol, side, type, quantity, status, filled, average, cause, signalID, strategy, reject, created, updated)
            in rows.decode(
                (Int64, String, String, String, String, Decimal, String, Decimal, Decimal?, String, Int64?, String?, String?, Date, Date).self)
        {
            result.append(
                OrderView(
                    id: id, clientOrderID: clientID, symbol: symbol, side: side, type: type, quantity: quantity.description, status: status,
                    filledQuantity: filled.description, averageFillPrice: average?.description, cause: cause, signalID: signalID,
                    strategy: strategy, rejectReason: reject, createdAt: created, updatedAt: updated
                ))
        }
        let hasMore = result.count > filter.limit
        if hasMore { result.removeLast() }
        return OrderList(orders: result, nextBefore: hasMore ? result.last?.id : nil)
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
        let limit = filter.limit
        let rows = try await client.query(
            """
            SELECT id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, pnl, fees, exit_reason, strategy
            FROM trades WHERE session_id IN (SELECT id FROM trading_sessions WHERE mode = \(mode) AND (\(sessionID)::bigint IS NULL OR id = \(sessionID)))
              AND (\(filter.before)::bigint IS NULL OR id < \(filter.before))
              AND (\(filter.symbol)::text IS NULL OR symbol = \(filter.symbol))
              AND (\(filter.strategy)::text IS NULL OR strategy = \(filter.strategy))
              AND (\(filter.since)::timestamptz IS NULL OR exit_time >= \(filter.since))
              AND (\(filter.until)::timestamptz IS NULL OR exit_time < \(filter.until))
            ORDER BY id DESC LIMIT \(limit + 1)
            """, logger: logger
        )
        var result: [TradeView] = []
        for try await (id, symbol, side, quantity, entryTime, entryPrice, exitTime, exitPrice, pnl, fees, reason, strategy)
            in rows.decode((Int64, String, String, Decimal, Date, Decimal, Date, Decimal, Decimal, Decimal, String, String?).self)
        {
            result.append(
                TradeView(
                    id: id, symbol: symbol, side: side, quantity: quantity.description, entryTime: entryTime, entryPrice: entryPrice.description,
                    exitTime: exitTime, exitPrice: exitPrice.description, pnl: pnl.description, fees: fees.description, exitReason: reason,
                    strategy: strategy
                ))
        }
        let hasMore = result.count > limit
        if hasMore { result.removeLast() }
        return TradePage(trades: result, nextBefore: hasMore ? result.last?.id : nil)
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
        let sessionID = session.id
        let portfolio = try await portfolio(session: session)
        var trades: [ClosedTrade] = []
        let tradeRows = try await client.query(
            "SELECT symbol, exit_time, pnl, fees, quantity FROM trades WHERE session_id = \(sessionID)", logger: logger)
        for try await (symbol, exitTime, pnl, fees, quantity) in tradeRows.decode((String, Date, Decimal, Decimal, Decimal).self) {
            guard let symbol = Symbol(rawValue: symbol) else { continue }
            trades.append(
                ClosedTrade(
                    symbol: symbol, quantity: quantity, entryTime: exitTime, entryPrice: 0, exitTime: exitTime, exitPrice: 0, pnl: pnl, fees: fees,
                    exitReason: .signal, entryOrderID: nil, exitOrderID: nil
                ))
        }
        var equity: [EquityPoint] = []
        let equityRows = try await client.query(
            "SELECT market_time, equity FROM account_balances WHERE session_id = \(sessionID) AND market_time IS NOT NULL ORDER BY market_time, id",
            logger: logger
        )
        for try await (time, value) in equityRows.decode((Date, Decimal).self) { equity.append(EquityPoint(time: time, equity: value)) }
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
        enum CodingKeys: String, CodingKey { case id, kind, symbol, reason; case occurredAt = "occurred_at" }
    }

    public func riskEvents(sessionID: Int64, limit: Int) async throws -> [RiskEventView] {
        let rows = try await client.query(
            "SELECT id, kind, symbol, reason, occurred_at FROM risk_events WHERE session_id = \(sessionID) ORDER BY id DESC LIMIT \(limit)",
            logger: logger
        )
        var result: [RiskEventView] = []
        for try await (id, kind, symbol, reason, occurred) in rows.decode((Int64, String, String?, String, Date).self) {
            result.append(RiskEventView(id: id, kind: kind, symbol: symbol, reason: reason, occurredAt: occurred))
        }
        return result
    }
}
