import Foundation
import KeelsonDomain
import KeelsonTrading
import Logging
import PostgresNIO

/// The read API's rows from PostgreSQL: standbys answer it too, and it is what a restart would see.
public struct PostgresTradingReadStorage: TradingReadStorage {
    let client: PostgresClient
    public let mode: String
    let logger: Logger

    public init(client: PostgresClient, mode: String, logger: Logger) {
        self.client = client
        self.mode = mode
        self.logger = logger
    }

    private typealias R = TradingReadRepository
    private static let unattributed = TradingReadRepository.unattributed

    public func session(id: Int64?) async throws -> TradingReadRepository.SessionView? {
        return try await client.read(
            """
            SELECT id, mode, status, status_reason, initial_balance, peak_equity, trading_day::text, day_start_equity, started_at, ended_at,
                   configuration::text
            FROM trading_sessions WHERE mode = \(mode) AND (\(id)::bigint IS NULL OR id = \(id))
            ORDER BY (ended_at IS NULL) DESC, id DESC LIMIT 1
            """, logger: logger
        ) { rows in
            for try await (id, mode, status, reason, initial, peak, day, dayStart, started, ended, configuration)
                in rows.decode((Int64, String, String, String?, Decimal, Decimal, String?, Decimal?, Date, Date?, String).self)
            {
                return R.SessionView(
                    id: id, mode: mode, status: status, statusReason: reason, initialBalance: initial.description, peakEquity: peak.description,
                    tradingDay: day, dayStartEquity: dayStart?.description, startedAt: started, endedAt: ended, configuration: configuration
                )
            }
            return nil
        }
    }

    public func latestBalance(sessionID: Int64) async throws -> TradingBalanceRow? {
        return try await client.read(
            """
            SELECT cash, equity, realized_pnl, unrealized_pnl, fees_paid, coalesce(market_time, recorded_at)
            FROM account_balances WHERE session_id = \(sessionID) ORDER BY id DESC LIMIT 1
            """, logger: logger
        ) { rows in
            for try await (cash, equity, realized, unrealized, fees, asOf) in rows.decode((Decimal, Decimal, Decimal, Decimal, Decimal, Date).self) {
                return TradingBalanceRow(cash: cash, equity: equity, realizedPnl: realized, unrealizedPnl: unrealized, feesPaid: fees, asOf: asOf)
            }
            return nil
        }
    }

    public func positions(sessionID: Int64) async throws -> [TradingPositionRow] {
        return try await client.read(
            """
            SELECT p.symbol, p.quantity, p.average_entry_price, p.mark_price, p.stop_price, p.take_profit_price, p.trailing_stop_price,
                   p.opened_at, coalesce(o.strategy, \(Self.unattributed))
            FROM positions p LEFT JOIN orders o ON o.id = p.entry_order_id WHERE p.session_id = \(sessionID) ORDER BY p.symbol
            """, logger: logger
        ) { rows in
            var result: [TradingPositionRow] = []
            for try await (symbol, quantity, average, mark, stop, takeProfit, trailing, opened, strategy)
                in rows.decode((String, Decimal, Decimal, Decimal?, Decimal?, Decimal?, Decimal?, Date, String).self)
            {
                result.append(
                    TradingPositionRow(
                        symbol: symbol, quantity: quantity, averageEntryPrice: average, markPrice: mark, stopPrice: stop, takeProfitPrice: takeProfit,
                        trailingStopPrice: trailing, openedAt: opened, strategy: strategy))
            }
            return result
        }
    }

    public func orders(sessionID: Int64?, status: OrderStatus?, filter: TradingReadRepository.ListFilter) async throws -> [TradingReadRepository
        .OrderView]
    {
        return try await client.read(
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
        ) { rows in
            var result: [R.OrderView] = []
            for try await (id, clientID, symbol, side, type, quantity, status, filled, average, cause, signalID, strategy, reject, created, updated)
                in rows.decode(
                    (Int64, String, String, String, String, Decimal, String, Decimal, Decimal?, String, Int64?, String?, String?, Date, Date).self)
            {
                result.append(
                    R.OrderView(
                        id: id, clientOrderID: clientID, symbol: symbol, side: side, type: type, quantity: quantity.description, status: status,
                        filledQuantity: filled.description, averageFillPrice: average?.description, cause: cause, signalID: signalID,
                        strategy: strategy, rejectReason: reject, createdAt: created, updatedAt: updated
                    ))
            }
            return result
        }
    }

    public func trades(sessionID: Int64?, filter: TradingReadRepository.ListFilter) async throws -> [TradingReadRepository.TradeView] {
        return try await client.read(
            """
            SELECT id, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, pnl, fees, exit_reason, strategy
            FROM trades WHERE session_id IN (SELECT id FROM trading_sessions WHERE mode = \(mode) AND (\(sessionID)::bigint IS NULL OR id = \(sessionID)))
              AND (\(filter.before)::bigint IS NULL OR id < \(filter.before))
              AND (\(filter.symbol)::text IS NULL OR symbol = \(filter.symbol))
              AND (\(filter.strategy)::text IS NULL OR strategy = \(filter.strategy))
              AND (\(filter.since)::timestamptz IS NULL OR exit_time >= \(filter.since))
              AND (\(filter.until)::timestamptz IS NULL OR exit_time < \(filter.until))
            ORDER BY id DESC LIMIT \(filter.limit + 1)
            """, logger: logger
        ) { rows in
            var result: [R.TradeView] = []
            for try await (id, symbol, side, quantity, entryTime, entryPrice, exitTime, exitPrice, pnl, fees, reason, strategy)
                in rows.decode((Int64, String, String, Decimal, Date, Decimal, Date, Decimal, Decimal, Decimal, String, String?).self)
            {
                result.append(
                    R.TradeView(
                        id: id, symbol: symbol, side: side, quantity: quantity.description, entryTime: entryTime, entryPrice: entryPrice.description,
                        exitTime: exitTime, exitPrice: exitPrice.description, pnl: pnl.description, fees: fees.description, exitReason: reason,
                        strategy: strategy
                    ))
            }
            return result
        }
    }

    public func closedTrades(sessionID: Int64) async throws -> [ClosedTrade] {
        return try await client.read(
            """
            SELECT symbol, quantity, entry_time, entry_price, exit_time, exit_price, pnl, fees, exit_reason, entry_order_id, exit_order_id
            FROM trades WHERE session_id = \(sessionID) ORDER BY id
            """, logger: logger
        ) { rows in
            var result: [ClosedTrade] = []
            for try await (symbol, quantity, entryTime, entryPrice, exitTime, exitPrice, pnl, fees, reason, entryOrder, exitOrder)
                in rows.decode((String, Decimal, Date, Decimal, Date, Decimal, Decimal, Decimal, String, Int64?, Int64?).self)
            {
                guard let symbol = Symbol(rawValue: symbol) else { continue }
                result.append(
                    ClosedTrade(
                        symbol: symbol, quantity: quantity, entryTime: entryTime, entryPrice: entryPrice, exitTime: exitTime, exitPrice: exitPrice,
                        pnl: pnl, fees: fees, exitReason: OrderCause(rawValue: reason) ?? .signal, entryOrderID: entryOrder, exitOrderID: exitOrder))
            }
            return result
        }
    }

    public func equity(sessionID: Int64) async throws -> [EquityPoint] {
        return try await client.read(
            "SELECT market_time, equity FROM account_balances WHERE session_id = \(sessionID) AND market_time IS NOT NULL ORDER BY market_time, id",
            logger: logger
        ) { rows in
            var result: [EquityPoint] = []
            for try await (time, value) in rows.decode((Date, Decimal).self) { result.append(EquityPoint(time: time, equity: value)) }
            return result
        }
    }

    /// Thinned in SQL, so a long session's chart costs the same as a short one's.
    public func equityCurve(session: TradingReadRepository.SessionView, since: Date?, until: Date?, points: Int) async throws
        -> [TradingReadRepository.EquityPointView]
    {
        return try await client.read(
            """
            WITH curve AS (
                SELECT market_time AS t, id, equity, max(equity) OVER (ORDER BY market_time, id) AS peak
                FROM account_balances WHERE session_id = \(session.id) AND market_time IS NOT NULL
            ), windowed AS (
                SELECT t, id, equity, CASE WHEN peak > 0 THEN (equity - peak) / peak * 100 ELSE 0 END AS drawdown,
                       extract(epoch FROM t) - extract(epoch FROM min(t) OVER ()) AS offset_seconds,
                       greatest((extract(epoch FROM max(t) OVER ()) - extract(epoch FROM min(t) OVER ())) / \(points), 0.001) AS step
                FROM curve
                WHERE (\(since)::timestamptz IS NULL OR t >= \(since)) AND (\(until)::timestamptz IS NULL OR t < \(until))
            ), bucketed AS (
                SELECT t, id, equity, least(floor(offset_seconds / step), \(points - 1)) AS bucket,
                       min(drawdown) OVER (PARTITION BY least(floor(offset_seconds / step), \(points - 1))) AS worst
                FROM windowed
            )
            SELECT DISTINCT ON (bucket) t, equity, round(worst, 4) FROM bucketed ORDER BY bucket, t DESC, id DESC
            """, logger: logger
        ) { rows in
            var result: [R.EquityPointView] = []
            for try await (time, equity, drawdown) in rows.decode((Date, Decimal, Decimal).self) {
                result.append(R.EquityPointView(time: time, equity: equity.description, drawdownPercent: drawdown.description))
            }
            return result
        }
    }

    public func attributedTrades() async throws -> [AttributedTrade] {
        return try await client.read(
            """
            SELECT coalesce(t.strategy, \(Self.unattributed)), t.symbol, t.entry_time, t.exit_time, t.pnl, t.fees
            FROM (SELECT session_id, strategy, symbol, entry_time, exit_time, pnl, fees FROM trades
                  UNION ALL SELECT session_id, strategy, symbol, entry_time, exit_time, pnl, fees FROM trades_archive) t
            JOIN trading_sessions s ON s.id = t.session_id WHERE s.mode = \(mode)
            """, logger: logger
        ) { rows in
            var result: [AttributedTrade] = []
            for try await (strategy, symbol, entry, exit, pnl, fees) in rows.decode((String, String, Date, Date, Decimal, Decimal).self) {
                result.append(AttributedTrade(strategy: strategy, symbol: symbol, entryTime: entry, exitTime: exit, pnl: pnl, fees: fees))
            }
            return result
        }
    }

    public func execution(since: Date?, until: Date?) async throws -> [TradingReadRepository.ExecutionRow] {
        return try await client.read(
            """
            SELECT coalesce(o.strategy, \(Self.unattributed)), f.symbol, count(*)::int8, avg(f.slippage_bps)::float8, max(f.slippage_bps)::float8,
                   avg(f.latency_ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY f.latency_ms), sum(f.fee)
            FROM fills f JOIN orders o ON o.id = f.order_id JOIN trading_sessions s ON s.id = f.session_id
            WHERE s.mode = \(mode) AND (\(since)::timestamptz IS NULL OR f.filled_at >= \(since))
              AND (\(until)::timestamptz IS NULL OR f.filled_at < \(until))
            GROUP BY 1, 2 ORDER BY 1, 2
            """, logger: logger
        ) { rows in
            var result: [R.ExecutionRow] = []
            for try await (strategy, symbol, count, slippage, worst, latency, p95, fees)
                in rows.decode((String, String, Int64, Double?, Double?, Double?, Double?, Decimal).self)
            {
                result.append(
                    R.ExecutionRow(
                        strategy: strategy, symbol: symbol, fills: Int(count), averageSlippageBps: slippage, worstSlippageBps: worst,
                        averageLatencyMs: latency, p95LatencyMs: p95, fees: fees.description))
            }
            return result
        }
    }

    public func strategyStates() async throws -> [String: TradingStrategyStateRow] {
        return try await client.read(
            """
            SELECT instance, strategy, symbols, "interval", parameters::text, configured, status, status_reason, status_changed_at,
                   recommendation, recommendation_reason, shadow_figures::text
            FROM strategy_states
            """, logger: logger
        ) { rows in
            var result: [String: TradingStrategyStateRow] = [:]
            for try await (instance, strategy, symbols, interval, parameters, configured, status, reason, changed, recommendation, why, shadow)
                in rows.decode((String, String, [String], String, String, Bool, String, String, Date, String?, String?, String?).self)
            {
                result[instance] = TradingStrategyStateRow(
                    strategy: strategy, symbols: symbols, interval: interval,
                    parameters: (try? JSONDecoder().decode([String: Double].self, from: Data(parameters.utf8))) ?? [:], configured: configured,
                    status: status, statusReason: reason, statusChangedAt: changed, recommendation: recommendation, recommendationReason: why,
                    shadowFigures: shadow.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) })
            }
            return result
        }
    }

    public func lifecycleEvents(instance: String, limit: Int) async throws -> [TradingReadRepository.LifecycleEventView] {
        return try await client.read(
            """
            SELECT occurred_at, from_status, to_status, actor, reason, figures::text FROM strategy_lifecycle_events
            WHERE instance = \(instance) ORDER BY id DESC LIMIT \(limit)
            """, logger: logger
        ) { rows in
            var result: [R.LifecycleEventView] = []
            for try await (time, from, to, actor, reason, figures) in rows.decode((Date, String?, String, String, String, String).self) {
                result.append(
                    R.LifecycleEventView(
                        occurredAt: time, fromStatus: from, toStatus: to, actor: actor, reason: reason,
                        figures: (try? JSONDecoder().decode([String: String].self, from: Data(figures.utf8))) ?? [:]))
            }
            return result
        }
    }

    public func latestAllocations() async throws -> [CapitalAllocationRecord] {
        try await PostgresCapitalAllocationStore(client: client, logger: logger).latest()
    }

    public func riskEvents(sessionID: Int64, limit: Int) async throws -> [TradingReadRepository.RiskEventView] {
        return try await client.read(
            "SELECT id, kind, symbol, reason, occurred_at FROM risk_events WHERE session_id = \(sessionID) ORDER BY id DESC LIMIT \(limit)",
            logger: logger
        ) { rows in
            var result: [R.RiskEventView] = []
            for try await (id, kind, symbol, reason, occurred) in rows.decode((Int64, String, String?, String, Date).self) {
                result.append(R.RiskEventView(id: id, kind: kind, symbol: symbol, reason: reason, occurredAt: occurred))
            }
            return result
        }
    }

    /// The storage of the newest session's mode, or nil before any session: what the lifecycle rules judge.
    public static func newestSessionMode(client: PostgresClient, logger: Logger) async throws -> PostgresTradingReadStorage? {
        return try await client.read("SELECT mode FROM trading_sessions ORDER BY id DESC LIMIT 1", logger: logger) { rows in
            for try await mode in rows.decode(String.self) { return PostgresTradingReadStorage(client: client, mode: mode, logger: logger) }
            return nil
        }
    }

    /// Round trips of `instance` in any mode (archived ones included) that closed after `after` (all when nil): what a
    /// re-optimisation every M trades counts.
    public static func closedTrades(of instance: String, after: Date?, client: PostgresClient, logger: Logger) async throws -> Int {
        return try await client.read(
            """
            SELECT (SELECT count(*) FROM trades WHERE strategy = \(instance) AND (\(after)::timestamptz IS NULL OR exit_time > \(after)))
                 + (SELECT count(*) FROM trades_archive WHERE strategy = \(instance) AND (\(after)::timestamptz IS NULL OR exit_time > \(after)))
            """, logger: logger
        ) { rows in
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }
}
