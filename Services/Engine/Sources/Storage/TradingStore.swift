import Foundation
import KeelsonDomain
import KeelsonPersistence
import KeelsonServiceKit
import KeelsonStrategies
import KeelsonTrading
import Logging
import PostgresNIO

/// The engine's writes. Each method is one transaction, and every trading write first checks that this
/// process still holds the leader lock (`fence`), so a deposed leader cannot trade.
protocol TradingStore: Sendable {
    func openSession(_ request: SessionRequest) async throws -> SessionRecord
    func loadState(session: SessionRecord) async throws -> StoredTradingState
    /// Records the decision on a signal, with its order when there is one; nil when the signal was decided before.
    /// `acceptedBy` names a broker whose acceptance is the row itself: the order is written `submitted`. A sell also
    /// writes `cancelReason` on the symbol's working entries, in the same transaction.
    func recordDecision(
        signal: StoredSignal, sessionID: Int64, decision: SignalDecision, acceptedBy broker: String?, cancelReason: String?, fence: LeaderFence
    ) async throws -> DecisionOutcome?
    /// Writes an exit not caused by a signal (a stop, close-all) and all it implies in one transaction: the exit order
    /// under the first attempt id not used before (an id whose order ended is skipped; one still working is the exit),
    /// the cancel request on the symbol's working entries, and the position's attempt counter.
    func recordExit(_ exit: ExitRequest, sessionID: Int64, fence: LeaderFence) async throws -> ExitRecord
    /// Moves an order on, recording which broker and why; `reason` also becomes the order's reject reason. An
    /// exchange's acceptance also records its order id and, when it works less than was written (rounded down to
    /// its lot step), that quantity.
    func transition(
        _ order: OrderRecord, to status: OrderStatus, broker: String, reason: String?, exchangeOrderID: String?, workingQuantity: Decimal?, fence: LeaderFence
    ) async throws -> OrderRecord
    /// False when this fill was recorded before (a replayed execution report): nothing changes.
    func applyFill(_ commit: FillCommit, sessionID: Int64, fence: LeaderFence) async throws -> Bool
    func saveSnapshot(_ snapshot: EquitySnapshot, sessionID: Int64, fence: LeaderFence) async throws
    func setState(_ state: TradingState, reason: String, kind: String, sessionID: Int64, resetReferences equity: Decimal?, fence: LeaderFence) async throws
    func recordRiskEvent(kind: String, symbol: Symbol?, reason: String, detail: [String: String], sessionID: Int64) async throws
    /// Signals stored since `since` that the engine has not decided on, oldest first.
    func undecidedSignals(since: Date, limit: Int) async throws -> [StoredSignal]
    func signals(ids: [Int64]) async throws -> [StoredSignal]
}

/// How a session is opened at start.
struct SessionRequest: Sendable {
    var mode: String
    var maxCapital: Decimal
    var configurationJSON: String
    var newSession: Bool
    var resumeFromLastBalance: Bool
}

enum DecisionOutcome: Sendable {
    case ordered(OrderRecord)
    case rejected
}

/// A write refused because this process is not (or no longer) the leader, or a session cannot be opened.
enum TradingStoreError: Error, CustomStringConvertible, APIErrorConvertible {
    case notLeader
    case sessionBusy(String)
    case inconsistent(String)

    var description: String {
        switch self {
        case .notLeader: "this engine no longer holds the leader lock; another instance trades"
        case .sessionBusy(let reason), .inconsistent(let reason): reason
        }
    }

    var apiError: APIError {
        switch self {
        case .notLeader: .serviceUnavailable(description)
        case .sessionBusy, .inconsistent: APIError(.conflict, code: "conflict", detail: description)
        }
    }
}

extension TradingStore {
    func transition(_ order: OrderRecord, to status: OrderStatus, broker: String, reason: String?, fence: LeaderFence) async throws -> OrderRecord {
        try await transition(order, to: status, broker: broker, reason: reason, exchangeOrderID: nil, workingQuantity: nil, fence: fence)
    }
}

struct PostgresTradingStore: TradingStore {
    let client: PostgresClient
    let logger: Logger

    // MARK: Sessions

    func openSession(_ request: SessionRequest) async throws -> SessionRecord {
        try await client.transaction(logger: logger) { connection in
            // Serialises concurrent starts (two replicas racing before either is leader).
            try await connection.query("SELECT pg_advisory_xact_lock(7355, 0)", logger: logger)
            if let open = try await Self.openSession(mode: request.mode, connection: connection, logger: logger) {
                guard request.newSession else { return open }
                let busy = try await connection.query(
                    """
                    SELECT (SELECT count(*) FROM positions WHERE session_id = \(open.id))
                         + (SELECT count(*) FROM orders WHERE session_id = \(open.id) AND status IN ('new', 'submitted', 'partially_filled'))
                    """, logger: logger
                )
                for try await (count) in busy.decode(Int64.self) where count > 0 {
                    throw TradingStoreError.sessionBusy("session \(open.id) still has \(count) open positions or orders; close them (keelson trading close-all --reason ...) and let the exits fill before starting a new session")
                }
                try await connection.query("UPDATE trading_sessions SET ended_at = now(), status = 'stopped', status_reason = 'replaced by a new session' WHERE id = \(open.id)", logger: logger)
            }
            var initial = request.maxCapital
            if request.resumeFromLastBalance {
                let rows = try await connection.query(
                    """
                    SELECT b.cash FROM account_balances b JOIN trading_sessions s ON s.id = b.session_id
                    WHERE s.mode = \(request.mode) ORDER BY b.id DESC LIMIT 1
                    """, logger: logger
                )
                for try await (cash) in rows.decode(Decimal.self) { initial = cash }
            }
            let inserted = try await connection.query(
                """
                INSERT INTO trading_sessions (mode, status, initial_balance, peak_equity, configuration, day_start_equity)
                VALUES (\(request.mode), 'active', \(initial), \(initial), \(request.configurationJSON)::jsonb, \(initial))
                RETURNING id
                """, logger: logger
            )
            var sessionID: Int64 = 0
            for try await (id) in inserted.decode(Int64.self) { sessionID = id }
            try await connection.query(
                """
                INSERT INTO account_balances (session_id, cash, equity, realized_pnl, unrealized_pnl, fees_paid)
                VALUES (\(sessionID), \(initial), \(initial), 0, 0, 0)
                """, logger: logger
            )
            guard let session = try await Self.openSession(mode: request.mode, connection: connection, logger: logger) else {
                throw TradingStoreError.inconsistent("the new session could not be read back")
            }
            return session
        }
    }

    static func openSession(mode: String, connection: PostgresConnection, logger: Logger) async throws -> SessionRecord? {
        let rows = try await connection.query(
            """
            SELECT id, mode, status, status_reason, initial_balance, peak_equity, trading_day::text, day_start_equity, started_at
            FROM trading_sessions WHERE ended_at IS NULL AND mode = \(mode) ORDER BY id DESC LIMIT 1
            """, logger: logger
        )
        for try await (id, mode, status, reason, initial, peak, day, dayStart, started) in rows.decode((Int64, String, String, String?, Decimal, Decimal, String?, Decimal?, Date).self) {
            return SessionRecord(
                id: id, mode: mode, state: TradingState(rawValue: status) ?? .halted, stateReason: reason, initialBalance: initial,
                peakEquity: peak, tradingDay: day, dayStartEquity: dayStart, startedAt: started
            )
        }
        return nil
    }

    func loadState(session: SessionRecord) async throws -> StoredTradingState {
        var positions: [Symbol: Position] = [:]
        let positionRows = try await client.query(
            """
            SELECT symbol, quantity, average_entry_price, realized_pnl, stop_price, take_profit_price, trailing_distance, highest_price,
                   opened_at, entry_quantity, entry_fees, exit_quantity, exit_notional, exit_fees, coalesce(entry_order_id, 0), exit_attempts,
                   cost_basis
            FROM positions WHERE session_id = \(session.id)
            """, logger: logger
        )
        for try await (symbol, quantity, average, realized, stop, takeProfit, trailing, highest, openedAt, entryQuantity, entryFees, exitQuantity, exitNotional, exitFees, entryOrderID, attempts, costBasis)
            in positionRows.decode((String, Decimal, Decimal, Decimal, Decimal?, Decimal?, Decimal?, Decimal?, Date, Decimal, Decimal, Decimal, Decimal, Decimal, Int64, Int32, Decimal).self)
        {
            guard let symbol = Symbol(rawValue: symbol) else { continue }
            var stops: ProtectiveStops?
            if let stop, let highest {
                stops = ProtectiveStops(stopPrice: stop, takeProfitPrice: takeProfit, trailingDistance: trailing, highestPrice: highest)
            }
            positions[symbol] = Position(
                restoring: symbol, quantity: quantity, costBasis: costBasis, averageEntryPrice: average, entryQuantity: entryQuantity,
                entryFees: entryFees, exitQuantity: exitQuantity, exitNotional: exitNotional, exitFees: exitFees, realizedPnl: realized,
                openedAt: openedAt, entryOrderID: entryOrderID, stops: stops, exitAttempts: Int(attempts)
            )
        }

        let openOrders = try await openOrders(sessionID: session.id)

        var account = AccountState(cash: session.initialBalance, realizedPnl: 0, feesPaid: 0)
        let balanceRows = try await client.query(
            "SELECT cash, realized_pnl, fees_paid FROM account_balances WHERE session_id = \(session.id) ORDER BY id DESC LIMIT 1", logger: logger
        )
        for try await (cash, realized, fees) in balanceRows.decode((Decimal, Decimal, Decimal).self) {
            account = AccountState(cash: cash, realizedPnl: realized, feesPaid: fees)
        }

        var lastStopOut: [Symbol: Date] = [:]
        let stopRows = try await client.query(
            """
            SELECT symbol, max(exit_time) FROM trades
            WHERE session_id = \(session.id) AND exit_reason IN ('stop_loss', 'trailing_stop') GROUP BY symbol
            """, logger: logger
        )
        for try await (symbol, time) in stopRows.decode((String, Date).self) {
            if let symbol = Symbol(rawValue: symbol) { lastStopOut[symbol] = time }
        }
        var lastSignalAt: Date?
        let lastSignalRows = try await client.query("SELECT max(processed_at) FROM engine_signal_log WHERE session_id = \(session.id)", logger: logger)
        for try await (time) in lastSignalRows.decode(Date?.self) { lastSignalAt = time }
        // Wall-clock time of the newest fill (fills carry market time), else the session's start.
        var lastFillAt: Date?
        let lastFillRows = try await client.query(
            """
            SELECT coalesce((SELECT max(updated_at) FROM orders WHERE session_id = \(session.id) AND filled_quantity > 0),
                            (SELECT started_at FROM trading_sessions WHERE id = \(session.id)))
            """, logger: logger
        )
        for try await (time) in lastFillRows.decode(Date?.self) { lastFillAt = time }
        var processedBars: [Symbol: Date] = [:]
        let cursorRows = try await client.query(
            "SELECT symbol, last_bar_open_time FROM engine_bar_cursors WHERE session_id = \(session.id)", logger: logger
        )
        for try await (symbol, time) in cursorRows.decode((String, Date).self) {
            if let symbol = Symbol(rawValue: symbol) { processedBars[symbol] = time }
        }
        return StoredTradingState(
            positions: positions, openOrders: openOrders, account: account, lastStopOut: lastStopOut, lastSignalAt: lastSignalAt, lastFillAt: lastFillAt,
            processedBars: processedBars
        )
    }

    // MARK: Orders

    private static let orderSelect = """
        SELECT o.id, o.client_order_id, o.symbol, o.side, o.quantity, o.status, o.filled_quantity, o.average_fill_price, o.cause,
               o.signal_id, coalesce(o.decided_after_bar, o.created_at), o.expected_price, o.planned_exits::text,
               (SELECT count(*) FROM fills f WHERE f.order_id = o.id), o.created_at, o.cancel_requested, o.last_fill_bar
        FROM orders o
        """

    private func openOrders(sessionID: Int64) async throws -> [OrderRecord] {
        var query = PostgresQuery(unsafeSQL: Self.orderSelect + " WHERE o.session_id = $1 AND o.status IN ('new', 'submitted', 'partially_filled') ORDER BY o.id")
        query.binds.append(sessionID)
        return try await Self.decodeOrders(client.query(query, logger: logger))
    }

    static func decodeOrders(_ rows: PostgresRowSequence) async throws -> [OrderRecord] {
        var result: [OrderRecord] = []
        for try await (id, clientID, symbol, side, quantity, status, filled, average, cause, signalID, after, expected, planned, fills, created, cancelRequested, lastFillBar)
            in rows.decode((Int64, String, String, String, Decimal, String, Decimal, Decimal?, String, Int64?, Date, Decimal?, String?, Int64, Date, String?, Date?).self)
        {
            guard let symbol = Symbol(rawValue: symbol), let side = TradeSide(rawValue: side), let status = OrderStatus(rawValue: status) else { continue }
            let exits = planned.flatMap { try? JSONDecoder().decode(PlannedExits.self, from: Data($0.utf8)) }
            result.append(OrderRecord(
                id: id, clientOrderID: clientID, symbol: symbol, side: side, quantity: quantity, status: status, filledQuantity: filled,
                averageFillPrice: average, cause: OrderCause(rawValue: cause) ?? .signal, signalID: signalID, decidedAfterBar: after,
                expectedPrice: expected, plannedExits: exits, fillCount: Int(fills), createdAt: created, cancelRequested: cancelRequested,
                lastFillBar: lastFillBar
            ))
        }
        return result
    }

    private static func checkFence(_ fence: LeaderFence, connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM pg_stat_get_activity(\(fence.backendPID)) a
                           WHERE (extract(epoch FROM a.backend_start) * 1000000)::bigint = \(fence.backendStartMicroseconds))
            """, logger: logger
        )
        for try await (held) in rows.decode(Bool.self) where !held { throw TradingStoreError.notLeader }
    }

    private static func insertOrder(_ draft: OrderDraft, sessionID: Int64, connection: PostgresConnection, logger: Logger) async throws -> OrderRecord? {
        let rows = try await connection.query(
            """
            INSERT INTO orders (session_id, client_order_id, symbol, side, type, quantity, status, cause, signal_id, decided_after_bar, expected_price, planned_exits)
            VALUES (\(sessionID), \(draft.clientOrderID), \(draft.symbol.rawValue), \(draft.side.rawValue), 'market', \(draft.quantity), 'new',
                    \(draft.cause.rawValue), \(draft.signalID), \(draft.decidedAfterBar), \(draft.expectedPrice), \(draft.plannedExits?.json)::jsonb)
            ON CONFLICT (client_order_id) DO NOTHING
            RETURNING id, created_at
            """, logger: logger
        )
        for try await (id, created) in rows.decode((Int64, Date).self) {
            try await connection.query(
                "INSERT INTO order_events (order_id, from_status, to_status, detail) VALUES (\(id), NULL, 'new', \(#"{"cause":"\#(draft.cause.rawValue)"}"#)::jsonb)",
                logger: logger
            )
            return OrderRecord(
                id: id, clientOrderID: draft.clientOrderID, symbol: draft.symbol, side: draft.side, quantity: draft.quantity, status: .new,
                filledQuantity: 0, averageFillPrice: nil, cause: draft.cause, signalID: draft.signalID, decidedAfterBar: draft.decidedAfterBar,
                expectedPrice: draft.expectedPrice, plannedExits: draft.plannedExits, fillCount: 0, createdAt: created
            )
        }
        return nil
    }

    /// The one row a trading statement returns.
    private func run<Kind: TradingStatementKind>(_ kind: Kind.Type, _ bindings: PostgresBindings) async throws -> PostgresRow {
        var first: PostgresRow?
        for try await row in try await client.execute(TradingStatement<Kind>(bindings: bindings), logger: logger) where first == nil {
            first = row
        }
        guard let first else { throw TradingStoreError.inconsistent("\(Kind.name) returned no row") }
        return first
    }

    func recordDecision(
        signal: StoredSignal, sessionID: Int64, decision: SignalDecision, acceptedBy broker: String?, cancelReason: String?, fence: LeaderFence
    ) async throws -> DecisionOutcome? {
        var bindings = PostgresBindings.fenced(fence)
        switch decision {
        case .order(let draft):
            bindings.append(sessionID)
            bindings.append(draft.clientOrderID)
            bindings.append(draft.symbol.rawValue)
            bindings.append(draft.side.rawValue)
            try bindings.append(draft.quantity)
            bindings.append(draft.cause.rawValue)
            bindings.append(signal.id)
            bindings.append(draft.decidedAfterBar)
            try bindings.append(draft.expectedPrice)
            bindings.append(draft.plannedExits?.json)
            bindings.append(broker)
            bindings.append(draft.side == .sell ? cancelReason : nil)
            let (held, id, created) = try await run(OrderFromSignal.self, bindings).decode((Bool, Int64?, Date?).self)
            guard held else { throw TradingStoreError.notLeader }
            guard let id, let created else { return nil }
            return .ordered(OrderRecord(
                id: id, clientOrderID: draft.clientOrderID, symbol: draft.symbol, side: draft.side, quantity: draft.quantity,
                status: broker == nil ? .new : .submitted,
                filledQuantity: 0, averageFillPrice: nil, cause: draft.cause, signalID: signal.id, decidedAfterBar: draft.decidedAfterBar,
                expectedPrice: draft.expectedPrice, plannedExits: draft.plannedExits, fillCount: 0, createdAt: created
            ))
        case .rejection(let rejection):
            bindings.append(signal.id)
            bindings.append(sessionID)
            bindings.append(rejection.description)
            bindings.append(signal.signal.symbol.rawValue)
            bindings.append(rejection.reason)
            bindings.append(rejection.code.rawValue)
            bindings.append(signal.strategy)
            bindings.append(signal.signal.side.rawValue)
            let (held, count) = try await run(SignalRejection.self, bindings).decode((Bool, Int64).self)
            guard held else { throw TradingStoreError.notLeader }
            return count == 1 ? .rejected : nil
        }
    }

    func recordExit(_ exit: ExitRequest, sessionID: Int64, fence: LeaderFence) async throws -> ExitRecord {
        try await client.transaction(logger: logger) { connection in
            try await Self.checkFence(fence, connection: connection, logger: logger)
            var attempt = exit.attempt
            var skipped: [String] = []
            var order: OrderRecord?
            while order == nil {
                let draft = OrderDraft(
                    clientOrderID: ClientOrderID.forExit(entryOrderID: exit.entryOrderID, attempt: attempt), symbol: exit.symbol, side: .sell,
                    quantity: exit.quantity, cause: exit.cause, signalID: nil, decidedAfterBar: exit.decidedAfterBar, expectedPrice: exit.expectedPrice,
                    plannedExits: nil
                )
                if let created = try await Self.insertOrder(draft, sessionID: sessionID, connection: connection, logger: logger) {
                    order = created
                    break
                }
                var query = PostgresQuery(unsafeSQL: Self.orderSelect + " WHERE o.client_order_id = $1")
                query.binds.append(draft.clientOrderID)
                guard let existing = try await Self.decodeOrders(connection.query(query, logger: logger)).first else {
                    throw TradingStoreError.inconsistent("order \(draft.clientOrderID) conflicts but cannot be read")
                }
                if existing.status.isOpen {
                    order = existing
                } else {
                    skipped.append("\(existing.clientOrderID) (\(existing.status.rawValue))")
                    attempt += 1
                }
            }
            try await connection.query(
                """
                UPDATE orders SET cancel_requested = \(exit.cancelReason), updated_at = now()
                WHERE session_id = \(sessionID) AND symbol = \(exit.symbol.rawValue) AND side = 'buy'
                  AND status IN ('new', 'submitted', 'partially_filled') AND cancel_requested IS NULL
                """, logger: logger
            )
            try await connection.query(
                "UPDATE positions SET exit_attempts = \(Int32(attempt + 1)), updated_at = now() WHERE session_id = \(sessionID) AND symbol = \(exit.symbol.rawValue)",
                logger: logger
            )
            guard let order else { throw TradingStoreError.inconsistent("the exit for \(exit.symbol) could not be written") }
            return ExitRecord(order: order, attempt: attempt, skipped: skipped)
        }
    }

    func transition(
        _ order: OrderRecord, to status: OrderStatus, broker: String, reason: String?, exchangeOrderID: String?, workingQuantity: Decimal?, fence: LeaderFence
    ) async throws -> OrderRecord {
        let next = try OrderStateMachine.transition(from: order.status, to: status)
        var bindings = PostgresBindings.fenced(fence)
        bindings.append(order.id)
        bindings.append(order.status.rawValue)
        bindings.append(next.rawValue)
        bindings.append(reason)
        bindings.append(broker)
        bindings.append(exchangeOrderID)
        try bindings.append(workingQuantity)
        let (held, count) = try await run(OrderTransition.self, bindings).decode((Bool, Int64).self)
        guard held else { throw TradingStoreError.notLeader }
        guard count == 1 else {
            throw TradingStoreError.inconsistent("order \(order.clientOrderID) is no longer \(order.status.rawValue) in the database; refusing to move it to \(next.rawValue)")
        }
        var updated = order
        updated.status = next
        if let workingQuantity { updated.quantity = workingQuantity }
        return updated
    }

    func applyFill(_ commit: FillCommit, sessionID: Int64, fence: LeaderFence) async throws -> Bool {
        let fill = commit.fill
        let order = commit.order
        let position = commit.position
        let stops = position.stops
        let trade = commit.trade
        var bindings = PostgresBindings.fenced(fence)
        bindings.append(order.id)
        bindings.append(sessionID)
        bindings.append(commit.exchangeFillID)
        bindings.append(order.symbol.rawValue)
        bindings.append(fill.side.rawValue)
        try bindings.append(fill.quantity)
        try bindings.append(fill.price)
        try bindings.append(fill.fee)
        try bindings.append(commit.expectedPrice)
        try bindings.append(commit.slippageBps)
        bindings.append(commit.latencyMilliseconds)
        bindings.append(fill.time)
        bindings.append(order.status.rawValue)
        try bindings.append(order.filledQuantity)
        try bindings.append(order.averageFillPrice)
        bindings.append(commit.previousStatus.rawValue)
        bindings.append(position.quantity > 0)
        try bindings.append(position.quantity)
        try bindings.append(position.averageEntryPrice)
        try bindings.append(position.realizedPnl)
        try bindings.append(stops?.stopPrice)
        try bindings.append(stops?.takeProfitPrice)
        try bindings.append(stops?.trailingStopPrice)
        try bindings.append(stops?.highestPrice)
        bindings.append(position.openedAt)
        try bindings.append(position.entryQuantity)
        try bindings.append(position.entryFees)
        try bindings.append(position.exitQuantity)
        try bindings.append(position.exitNotional)
        try bindings.append(position.exitFees)
        bindings.append(position.entryOrderID)
        try bindings.append(stops?.trailingDistance)
        bindings.append(Int32(position.exitAttempts))
        try bindings.append(commit.marks[position.symbol])
        bindings.append(trade != nil)
        try bindings.append(trade?.quantity)
        bindings.append(trade?.entryTime)
        try bindings.append(trade?.entryPrice)
        bindings.append(trade?.exitTime)
        try bindings.append(trade?.exitPrice)
        try bindings.append(trade?.pnl)
        try bindings.append(trade?.fees)
        bindings.append(trade?.exitReason.rawValue)
        bindings.append(trade?.entryOrderID)
        bindings.append(trade?.exitOrderID)
        try bindings.append(commit.account.cash)
        try bindings.append(commit.equity.rounded(scale: 8))
        try bindings.append(commit.account.realizedPnl)
        try bindings.append(commit.unrealizedPnl.rounded(scale: 8))
        try bindings.append(commit.account.feesPaid)
        try bindings.append(commit.peakEquity)
        try bindings.append(position.costBasis)
        try bindings.append(commit.executedQuantity == fill.quantity ? nil : commit.executedQuantity)
        bindings.append(commit.commission)
        bindings.append(order.lastFillBar)
        let (held, count) = try await run(FillRecord.self, bindings).decode((Bool, Int64).self)
        guard held else { throw TradingStoreError.notLeader }
        return count == 1
    }

    func saveSnapshot(_ snapshot: EquitySnapshot, sessionID: Int64, fence: LeaderFence) async throws {
        // Between fills only the marks and the trailing stops of open positions move.
        let positions = snapshot.positions
        var bindings = PostgresBindings.fenced(fence)
        bindings.append(sessionID)
        try bindings.append(snapshot.account.cash)
        try bindings.append(snapshot.equity.rounded(scale: 8))
        try bindings.append(snapshot.account.realizedPnl)
        try bindings.append(snapshot.unrealizedPnl.rounded(scale: 8))
        try bindings.append(snapshot.account.feesPaid)
        bindings.append(snapshot.marketTime)
        try bindings.append(snapshot.peakEquity)
        bindings.append(snapshot.tradingDay)
        try bindings.append(snapshot.dayStartEquity)
        bindings.append(positions.map(\.symbol.rawValue))
        bindings.append(positions.map { $0.stops?.highestPrice.description ?? "" })
        bindings.append(positions.map { $0.stops?.trailingStopPrice?.description ?? "" })
        bindings.append(positions.map { snapshot.marks[$0.symbol]?.description ?? "" })
        let processed = snapshot.processedBars.sorted { $0.key.rawValue < $1.key.rawValue }
        bindings.append(processed.map(\.key.rawValue))
        bindings.append(processed.map(\.value.timeIntervalSince1970))
        bindings.append(snapshot.recordsBalance)
        let held = try await run(EquitySnapshotRecord.self, bindings).decode(Bool.self)
        if !held { throw TradingStoreError.notLeader }
    }

    func setState(_ state: TradingState, reason: String, kind: String, sessionID: Int64, resetReferences equity: Decimal?, fence: LeaderFence) async throws {
        try await client.transaction(logger: logger) { connection in
            try await Self.checkFence(fence, connection: connection, logger: logger)
            try await connection.query(
                """
                UPDATE trading_sessions SET status = \(state.rawValue), status_reason = \(reason),
                    peak_equity = coalesce(\(equity), peak_equity), day_start_equity = coalesce(\(equity), day_start_equity)
                WHERE id = \(sessionID)
                """, logger: logger
            )
            try await connection.query(
                "INSERT INTO risk_events (session_id, kind, reason, detail) VALUES (\(sessionID), \(kind), \(reason), \(Self.json(["state": state.rawValue]))::jsonb)",
                logger: logger
            )
        }
    }

    func recordRiskEvent(kind: String, symbol: Symbol?, reason: String, detail: [String: String], sessionID: Int64) async throws {
        try await client.query(
            "INSERT INTO risk_events (session_id, kind, symbol, reason, detail) VALUES (\(sessionID), \(kind), \(symbol?.rawValue), \(reason), \(Self.json(detail))::jsonb)",
            logger: logger
        )
    }

    // MARK: Signals

    static let signalColumns = "s.id, s.strategy, s.symbol, s.\"interval\", s.bar_time, s.side, s.strength, s.price, s.reason, s.created_at"

    func undecidedSignals(since: Date, limit: Int) async throws -> [StoredSignal] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.signalColumns) FROM signals s
            WHERE s.created_at >= $1 AND NOT EXISTS (SELECT 1 FROM engine_signal_log l WHERE l.signal_id = s.id)
            ORDER BY s.id LIMIT $2
            """)
        query.binds.append(since)
        query.binds.append(limit)
        return try await Self.decodeSignals(client.query(query, logger: logger))
    }

    func signals(ids: [Int64]) async throws -> [StoredSignal] {
        guard !ids.isEmpty else { return [] }
        var bindings = PostgresBindings()
        bindings.append(ids)
        var result: [StoredSignal] = []
        for try await row in try await client.execute(TradingStatement<SignalsByID>(bindings: bindings), logger: logger) {
            if let signal = try Self.decodeSignal(row) { result.append(signal) }
        }
        return result
    }

    static func decodeSignals(_ rows: PostgresRowSequence) async throws -> [StoredSignal] {
        var result: [StoredSignal] = []
        for try await row in rows {
            if let signal = try decodeSignal(row) { result.append(signal) }
        }
        return result
    }

    /// One row of `signalColumns`; nil for a row this binary cannot read (an unknown symbol, interval or side).
    static func decodeSignal(_ row: PostgresRow) throws -> StoredSignal? {
        let (id, strategy, symbol, interval, barTime, side, strength, price, reason, createdAt)
            = try row.decode((Int64, String, String, String, Date, String, Double, Decimal, String, Date).self)
        guard let symbol = Symbol(rawValue: symbol), let interval = CandleInterval(rawValue: interval), let side = TradeSide(rawValue: side) else { return nil }
        let signal = StrategySignal(symbol: symbol, interval: interval, side: side, strength: strength, barTime: barTime, price: price, reason: reason)
        return StoredSignal(id: id, strategy: strategy, signal: signal, createdAt: createdAt)
    }

    static func json(_ values: [String: String]) -> String {
        (try? String(decoding: JSONSerialization.data(withJSONObject: values, options: [.sortedKeys]), as: UTF8.self)) ?? "{}"
    }
}
