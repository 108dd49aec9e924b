import Foundation
import KeelsonDomain
import KeelsonPersistence
import KeelsonStrategies
import KeelsonTrading

/// The trading aggregate in memory, with the PostgreSQL repository's rules: a signal is decided once, an order
/// moves only from the state it is believed to be in, a fill is recorded once per exchange fill id, an exit takes
/// the first attempt id not used before, and every trading write needs the current leader's fence. For engine and
/// kernel tests that need no database; what is stored is proven against PostgreSQL in the integration tests.
public actor InMemoryTradingRepository: TradingRepository {
    public struct RiskEvent: Sendable, Equatable {
        public var kind: String
        public var symbol: Symbol?
        public var reason: String
        public var sessionID: Int64?
        public var occurredAt = Date.now
    }

    /// What the read API needs beyond the engine's own state, kept the way the tables keep it.
    struct ReadRows {
        var balances: [(sessionID: Int64, row: TradingBalanceRow, marketTime: Date?)] = []
        var trades: [(sessionID: Int64, strategy: String?, trade: ClosedTrade)] = []
        var fills: [(sessionID: Int64, orderID: Int64, symbol: Symbol, slippageBps: Decimal, latencyMs: Double, fee: Decimal, time: Date)] = []
        var orderSessions: [Int64: Int64] = [:]
        var orderStrategies: [Int64: String] = [:]
        var orderUpdates: [Int64: (at: Date, rejectReason: String?)] = [:]
        var marks: [Symbol: Decimal] = [:]
        var sessionConfigurations: [Int64: String] = [:]
        var allocatedAt = Date.now
    }

    /// The fence a write must carry; nil deposes every writer.
    public private(set) var leader: LeaderFence?
    public private(set) var sessions: [SessionRecord] = []
    public private(set) var orders: [Int64: OrderRecord] = [:]
    public private(set) var positions: [Symbol: Position] = [:]
    public private(set) var trades: [ClosedTrade] = []
    public private(set) var balances: [AccountState] = []
    public private(set) var riskEvents: [RiskEvent] = []
    /// The outcome per decided signal id: "ordered" or "rejected".
    public private(set) var signalLog: [Int64: String] = [:]
    private var storedSignals: [StoredSignal] = []
    private var fillKeys: Set<String> = []
    private var cursors: [Symbol: Date] = [:]
    private var nextOrderID: Int64 = 1

    var readRows = ReadRows()
    /// The trading mode the read API answers for.
    public nonisolated let mode: String

    public init(leader: LeaderFence?, mode: String = "paper") {
        self.leader = leader
        self.mode = mode
    }

    public func setLeader(_ fence: LeaderFence?) { leader = fence }

    /// Stores signals as the signal service would; they get ids in order.
    @discardableResult
    public func store(_ signals: [(strategy: String, signal: StrategySignal)]) -> [StoredSignal] {
        var stored: [StoredSignal] = []
        for (strategy, signal) in signals {
            let next = StoredSignal(id: Int64(storedSignals.count + 1), strategy: strategy, signal: signal, createdAt: .now)
            storedSignals.append(next)
            stored.append(next)
        }
        return stored
    }

    private func check(_ fence: LeaderFence) throws {
        guard fence == leader else { throw TradingRepositoryError.notLeader }
    }

    private var openSessionIndex: Int? { sessions.indices.last }

    // MARK: TradingRepository

    public func openSession(_ request: SessionRequest) async throws -> SessionRecord {
        if let index = openSessionIndex, sessions[index].mode == request.mode {
            guard request.newSession else { return sessions[index] }
            let busy = positions.count + orders.values.filter(\.status.isOpen).count
            if busy > 0 {
                throw TradingRepositoryError.sessionBusy("session \(sessions[index].id) still has \(busy) open positions or orders")
            }
        }
        let initial = request.resumeFromLastBalance ? (balances.last?.cash ?? request.maxCapital) : request.maxCapital
        let session = SessionRecord(
            id: Int64(sessions.count + 1), mode: request.mode, state: .active, initialBalance: initial, peakEquity: initial,
            dayStartEquity: initial, startedAt: .now
        )
        sessions.append(session)
        readRows.sessionConfigurations[session.id] = request.configurationJSON
        balances.append(AccountState(cash: initial, realizedPnl: 0, feesPaid: 0))
        readRows.balances.append(
            (session.id, TradingBalanceRow(cash: initial, equity: initial, realizedPnl: 0, unrealizedPnl: 0, feesPaid: 0, asOf: .now), nil))
        return session
    }

    public func loadState(session: SessionRecord) async throws -> StoredTradingState {
        var lastStopOut: [Symbol: Date] = [:]
        for trade in trades where trade.exitReason == .stopLoss || trade.exitReason == .trailingStop {
            lastStopOut[trade.symbol] = max(lastStopOut[trade.symbol] ?? .distantPast, trade.exitTime)
        }
        return StoredTradingState(
            positions: positions, openOrders: orders.values.filter(\.status.isOpen).sorted { $0.id < $1.id },
            account: balances.last ?? AccountState(cash: session.initialBalance, realizedPnl: 0, feesPaid: 0), lastStopOut: lastStopOut,
            lastSignalAt: nil, lastFillAt: nil, processedBars: cursors
        )
    }

    public func recordDecision(
        signal: StoredSignal, sessionID: Int64, decision: SignalDecision, acceptedBy broker: String?, cancelReason: String?, fence: LeaderFence
    ) async throws -> DecisionOutcome? {
        try check(fence)
        guard signalLog[signal.id] == nil else { return nil }
        switch decision {
        case .order(let draft):
            guard !orders.values.contains(where: { $0.clientOrderID == draft.clientOrderID }) else { return nil }
            var draft = draft
            draft.signalID = signal.id
            let order = insert(draft, status: broker == nil ? .new : .submitted, sessionID: sessionID, strategy: signal.strategy)
            signalLog[signal.id] = "ordered"
            if draft.side == .sell, let cancelReason { requestCancel(of: draft.symbol, reason: cancelReason) }
            return .ordered(order)
        case .rejection(let rejection):
            signalLog[signal.id] = "rejected"
            riskEvents.append(RiskEvent(kind: "signal_rejected", symbol: signal.signal.symbol, reason: rejection.reason, sessionID: sessionID))
            return .rejected
        }
    }

    public func recordExit(_ exit: ExitRequest, sessionID: Int64, fence: LeaderFence) async throws -> ExitRecord {
        try check(fence)
        var attempt = exit.attempt
        var skipped: [String] = []
        while true {
            let clientOrderID = ClientOrderID.forExit(entryOrderID: exit.entryOrderID, attempt: attempt)
            if let existing = orders.values.first(where: { $0.clientOrderID == clientOrderID }) {
                if existing.status.isOpen {
                    return finishExit(exit, order: existing, attempt: attempt, skipped: skipped)
                }
                skipped.append("\(existing.clientOrderID) (\(existing.status.rawValue))")
                attempt += 1
                continue
            }
            let order = insert(
                OrderDraft(
                    clientOrderID: clientOrderID, symbol: exit.symbol, side: .sell, quantity: exit.quantity, cause: exit.cause,
                    decidedAfterBar: exit.decidedAfterBar, expectedPrice: exit.expectedPrice, restingStop: exit.restingStop
                ), status: .new, sessionID: sessionID, strategy: readRows.orderStrategies[exit.entryOrderID]
            )
            return finishExit(exit, order: order, attempt: attempt, skipped: skipped)
        }
    }

    public func transition(
        _ order: OrderRecord, to status: OrderStatus, broker: String, reason: String?, exchangeOrderID: String?, workingQuantity: Decimal?,
        fence: LeaderFence
    ) async throws -> OrderRecord {
        let next = try OrderStateMachine.transition(from: order.status, to: status)
        try check(fence)
        guard var stored = orders[order.id], stored.status == order.status else {
            throw TradingRepositoryError.inconsistent(
                "order \(order.clientOrderID) is no longer \(order.status.rawValue); refusing to move it to \(next.rawValue)")
        }
        stored.status = next
        if let workingQuantity { stored.quantity = workingQuantity }
        orders[order.id] = stored
        readRows.orderUpdates[order.id] = (.now, reason.flatMap { next == .rejected ? $0 : nil } ?? readRows.orderUpdates[order.id]?.rejectReason)
        var updated = order
        updated.status = next
        if let workingQuantity { updated.quantity = workingQuantity }
        return updated
    }

    public func applyFill(_ commit: FillCommit, sessionID: Int64, fence: LeaderFence) async throws -> Bool {
        try check(fence)
        guard fillKeys.insert("\(commit.order.id)/\(commit.exchangeFillID)").inserted else { return false }
        orders[commit.order.id] = commit.order
        positions[commit.position.symbol] = commit.position.quantity > 0 ? commit.position : nil
        if let trade = commit.trade {
            trades.append(trade)
            readRows.trades.append((sessionID, trade.entryOrderID.flatMap { readRows.orderStrategies[$0] }, trade))
        }
        balances.append(commit.account)
        readRows.orderUpdates[commit.order.id] = (.now, readRows.orderUpdates[commit.order.id]?.rejectReason)
        readRows.fills.append(
            (sessionID, commit.order.id, commit.order.symbol, commit.slippageBps, commit.latencyMilliseconds, commit.fill.fee, commit.fill.time))
        readRows.marks.merge(commit.marks) { $1 }
        readRows.balances.append(
            (
                sessionID,
                TradingBalanceRow(
                    cash: commit.account.cash, equity: commit.equity, realizedPnl: commit.account.realizedPnl, unrealizedPnl: commit.unrealizedPnl,
                    feesPaid: commit.account.feesPaid, asOf: commit.fill.time), commit.fill.time
            ))
        if let index = openSessionIndex { sessions[index].peakEquity = commit.peakEquity }
        return true
    }

    public func saveSnapshot(_ snapshot: EquitySnapshot, sessionID: Int64, fence: LeaderFence) async throws {
        try check(fence)
        if snapshot.recordsBalance {
            balances.append(snapshot.account)
            readRows.balances.append(
                (
                    sessionID,
                    TradingBalanceRow(
                        cash: snapshot.account.cash, equity: snapshot.equity, realizedPnl: snapshot.account.realizedPnl,
                        unrealizedPnl: snapshot.unrealizedPnl, feesPaid: snapshot.account.feesPaid, asOf: snapshot.marketTime),
                    snapshot.marketTime
                ))
        }
        readRows.marks.merge(snapshot.marks) { $1 }
        for (symbol, time) in snapshot.processedBars { cursors[symbol] = max(cursors[symbol] ?? time, time) }
        if let index = openSessionIndex {
            sessions[index].peakEquity = snapshot.limits.peakEquity
            sessions[index].tradingDay = snapshot.limits.tradingDay
            sessions[index].dayStartEquity = snapshot.limits.dayStartEquity
        }
        for position in snapshot.positions where positions[position.symbol] != nil { positions[position.symbol]?.stops = position.stops }
    }

    public func setState(_ state: TradingState, reason: String, kind: String, sessionID: Int64, resetReferences equity: Decimal?, fence: LeaderFence)
        async throws
    {
        try check(fence)
        if let index = openSessionIndex {
            sessions[index].state = state
            sessions[index].stateReason = reason
            if let equity {
                sessions[index].peakEquity = equity
                sessions[index].dayStartEquity = equity
            }
        }
        riskEvents.append(RiskEvent(kind: kind, symbol: nil, reason: reason, sessionID: sessionID))
    }

    public func recordRiskEvent(kind: String, symbol: Symbol?, reason: String, detail: [String: String], sessionID: Int64) async throws {
        riskEvents.append(RiskEvent(kind: kind, symbol: symbol, reason: reason, sessionID: sessionID))
    }

    public func undecidedSignals(since: Date, limit: Int) async throws -> [StoredSignal] {
        Array(storedSignals.filter { $0.createdAt >= since && signalLog[$0.id] == nil }.prefix(limit))
    }

    public func signals(ids: [Int64]) async throws -> [StoredSignal] {
        let wanted = Set(ids)
        return storedSignals.filter { wanted.contains($0.id) }
    }

    /// Each instance's allocated amount; empty: the capital was never split.
    public private(set) var allocations: [String: Decimal] = [:]

    public func allocate(_ amounts: [String: Decimal]) {
        allocations = amounts
        readRows.allocatedAt = .now
    }

    public func latestAllocation() async throws -> [String: Decimal]? { allocations.isEmpty ? nil : allocations }

    public func exposure(of instance: String, sessionID: Int64) async throws -> Decimal {
        let entries = Set(storedSignals.filter { $0.strategy == instance }.map(\.id))
        let mine = orders.values.filter { $0.side == .buy && $0.signalID.map(entries.contains) == true }
        let held = positions.values.filter { position in mine.contains { $0.id == position.entryOrderID } }
        return held.reduce(Decimal(0)) { $0 + $1.quantity * $1.averageEntryPrice }
            + mine.filter(\.status.isOpen).reduce(Decimal(0)) { $0 + ($1.quantity - $1.filledQuantity) * ($1.expectedPrice ?? 0) }
    }

    // MARK: Helpers

    private func insert(_ draft: OrderDraft, status: OrderStatus, sessionID: Int64, strategy: String?) -> OrderRecord {
        let order = OrderRecord(
            id: nextOrderID, clientOrderID: draft.clientOrderID, symbol: draft.symbol, side: draft.side, quantity: draft.quantity, status: status,
            filledQuantity: 0, cause: draft.cause, signalID: draft.signalID, decidedAfterBar: draft.decidedAfterBar,
            expectedPrice: draft.expectedPrice,
            plannedExits: draft.plannedExits, fillCount: 0, createdAt: .now, restingStop: draft.restingStop
        )
        orders[order.id] = order
        readRows.orderSessions[order.id] = sessionID
        if let strategy { readRows.orderStrategies[order.id] = strategy }
        nextOrderID += 1
        return order
    }

    private func requestCancel(of symbol: Symbol, reason: String) {
        for (id, order) in orders where order.symbol == symbol && order.side == .buy && order.status.isOpen && order.cancelRequested == nil {
            orders[id]?.cancelRequested = reason
        }
    }

    private func finishExit(_ exit: ExitRequest, order: OrderRecord, attempt: Int, skipped: [String]) -> ExitRecord {
        if exit.restingStop == nil { requestCancel(of: exit.symbol, reason: exit.cancelReason) }
        positions[exit.symbol]?.exitAttempts = attempt + 1
        return ExitRecord(order: order, attempt: attempt, skipped: skipped)
    }
}
