import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonPersistence
import KeelsonStrategies
import KeelsonTrading
import Hummingbird
import Logging

/// The trader: turns signals into orders through the risk manager, candles into fills, stops and marks, and
/// keeps positions, cash and the session in PostgreSQL. Only the leader trades; it first rebuilds everything
/// from the database and reconciles the broker, and only then takes signals.
///
/// Every operation runs to completion before the next starts (`serially`): an actor alone would interleave
/// them at each database await, and a fill must never see half of a signal's decision.
public actor TradingEngine {
    public enum Role: String, Sendable { case leader, standby }

    public struct Status: Sendable {
        public var role: Role
        public var ready: Bool
        /// Why the engine does not trade right now (standby, recovering); nil when it does.
        public var notReadyReason: String?
        public var state: TradingState?
        public var sessionID: Int64?
    }

    let settings: EngineSettings
    private let store: any TradingStore
    private let candleStore: any CandleStore
    private let broker: any Broker
    private let metrics: EngineMetrics
    private let logger: Logger
    private let crashPoint: CrashPoint?
    private let startOptions: EngineStartOptions
    private let risk: RiskManager

    private var role: Role = .standby
    private var notReadyReason: String? = "waiting for the leader lock"
    private var fence: LeaderFence?
    private var session: SessionRecord?
    private var positions: [Symbol: Position] = [:]
    private var openOrders: [String: OrderRecord] = [:]
    private var account = AccountState(cash: 0, realizedPnl: 0, feesPaid: 0)
    private var windows: [Symbol: MarketWindow] = [:]
    private var lastStopOut: [Symbol: Date] = [:]
    private var lastSignalAt: Date?
    private var lastSnapshot: (time: Date, equity: Decimal)?
    /// A trailing stop ratcheted up since the last snapshot, so the snapshot must persist it.
    private var stopsMoved = false
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(
        settings: EngineSettings, store: any TradingStore, candleStore: any CandleStore, broker: any Broker, metrics: EngineMetrics,
        startOptions: EngineStartOptions, logger: Logger, crashPoint: CrashPoint? = CrashPoint.configured()
    ) {
        self.settings = settings
        self.store = store
        self.candleStore = candleStore
        self.broker = broker
        self.metrics = metrics
        self.startOptions = startOptions
        self.logger = logger
        self.crashPoint = crashPoint
        self.risk = RiskManager(settings: settings.risk, takerFeeRate: settings.execution.takerFeeRate)
    }

    public var status: Status {
        Status(role: role, ready: notReadyReason == nil, notReadyReason: notReadyReason, state: session?.state, sessionID: session?.id)
    }

    // MARK: Serial execution

    private func serially<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
        }
        return try await body()
    }

    private func requireReady() throws(EngineError) {
        if let notReadyReason { throw EngineError.unavailable("not trading: \(notReadyReason)") }
    }

    private func requireFence() throws -> LeaderFence {
        guard let fence, role == .leader else { throw EngineError.unavailable("this engine is not the leader") }
        return fence
    }

    // MARK: Leadership and recovery

    /// This process holds the leader lock: rebuild from PostgreSQL, reconcile with the broker, catch up on
    /// signals, then trade. A broker that cannot be asked (the exchange is down) keeps the engine leading but not
    /// ready, and reconciliation is tried again with backoff (1 s, doubling to at most a minute); any other
    /// failure hands the lock back.
    func lead(fence: LeaderFence) async throws {
        var failures = 0
        while true {
            do {
                let leading = try await serially { () async throws -> Bool in
                    // Told to stand by while waiting to retry: the lock is no longer ours to trade with.
                    guard failures == 0 || (role == .leader && self.fence == fence) else { return false }
                    role = .leader
                    self.fence = fence
                    if failures == 0 { notReadyReason = "recovering open orders, positions and balance from the database and reconciling them with the \(broker.name) broker" }
                    metrics.role(leader: true)
                    do {
                        try await recover()
                    } catch let error as BrokerUnavailable {
                        throw error
                    } catch {
                        clearState(role: .standby, reason: "recovery failed: \(DatabaseErrorDescription.describe(error))")
                        throw error
                    }
                    notReadyReason = nil
                    return true
                }
                guard leading else { return }
                break
            } catch let error as BrokerUnavailable {
                failures += 1
                let delay = min(60, 1 << min(failures - 1, 6))
                notReadyReason = "reconciliation with \(broker.name) failed (\(error.detail)); retrying in \(delay) s"
                logger.warning("reconciliation failed; trading waits", metadata: ["error": "\(error)", "retry_in_seconds": "\(delay)"])
                try await Task.sleep(for: .seconds(delay))
            }
        }
        try await catchUp()
    }

    /// Stops trading at once: another instance holds (or may hold) the lock, or this process is stopping.
    func standBy(reason: String, expected: Bool = false) async {
        await serially {
            guard role == .leader || notReadyReason != reason else { return }
            if role == .leader { logger.log(level: expected ? .info : .warning, "stopped trading", metadata: ["reason": "\(reason)"]) }
            clearState(role: .standby, reason: reason)
            await broker.reset()
        }
    }

    private func clearState(role: Role, reason: String) {
        self.role = role
        notReadyReason = reason
        fence = nil
        session = nil
        positions = [:]
        openOrders = [:]
        windows = [:]
        lastStopOut = [:]
        lastSnapshot = nil
        metrics.role(leader: role == .leader)
    }

    private func recover() async throws {
        let opened = try await store.openSession(SessionRequest(
            mode: startOptions.mode, maxCapital: settings.maxCapital, configurationJSON: settings.json,
            newSession: startOptions.newSession, resumeFromLastBalance: startOptions.resumeFromLastBalance
        ))
        let stored = try await store.loadState(session: opened)
        session = opened
        positions = stored.positions
        account = stored.account
        lastStopOut = stored.lastStopOut
        lastSignalAt = stored.lastSignalAt
        openOrders = Dictionary(uniqueKeysWithValues: stored.openOrders.map { ($0.clientOrderID, $0) })

        windows = [:]
        for symbol in settings.symbols {
            var window = try MarketWindow(atrPeriod: settings.risk.atrPeriod)
            // History ends at the last bar this session processed; later stored bars are replayed once the broker
            // holds the open orders again. A session that processed none takes the newest bars as history only.
            let end = stored.processedBars[symbol].map { $0.addingTimeInterval(1) }
            let recent = try await candleStore.candles(exchange: settings.marketExchange, symbol: symbol, interval: settings.timeframe, before: end, limit: 200)
            for candle in recent { _ = window.append(candle) }
            windows[symbol] = window
        }

        metrics.riskLimits(settings.risk)
        if let lastFillAt = stored.lastFillAt { metrics.lastFill(at: lastFillAt) }

        // Reconcile: the broker takes over exactly the open orders the database has (paper: its book; an
        // exchange: each asked for by client order id, never sent again), and what became of each is recorded.
        await broker.reset()
        let reports = try await broker.restore(stored.openOrders.sorted(by: { $0.id < $1.id }).map { brokerOrder($0) })
        for report in reports {
            let executed = report.executions.reduce(Decimal(0)) { $0 + $1.quantity }
            try await settle(report)
            // Rejections and unknown outcomes are recorded by `settle` itself.
            var findings: [String] = []
            if executed > 0 { findings.append("executed \(executed) while the engine was not listening; recorded as \(report.executions.count) fill(s)") }
            if case .ended(let status, let reason) = report.outcome { findings.append("\(status.rawValue): \(reason)") }
            guard !findings.isEmpty else { continue }
            let reason = "order \(report.clientOrderID): " + findings.joined(separator: "; ")
            logger.warning("reconciliation", metadata: ["client_order_id": "\(report.clientOrderID)", "finding": "\(reason)"])
            try await store.recordRiskEvent(kind: "reconciliation", symbol: nil, reason: reason, detail: ["client_order_id": report.clientOrderID], sessionID: opened.id)
        }
        try await reconcileAccount(session: opened.id)
        try await cancelEntriesBehindExits(session: opened.id)
        try await recordHistoryAsProcessed(except: stored.processedBars)
        let missed = try await storedBarsAfterWindows()
        if !missed.isEmpty {
            let replayed = try await ingest(missed)
            logger.notice("replayed the bars stored while this session was not processing them", metadata: [
                "bars": "\(replayed.accepted)", "fills": "\(replayed.fills)",
                "from": "\(missed.first?.openTime.formatted(.iso8601) ?? "")", "to": "\(missed.last?.openTime.formatted(.iso8601) ?? "")",
            ])
        }
        let state = session?.state ?? opened.state
        metrics.tradingState(state)
        updatePortfolioMetrics()
        logger.notice("recovered", metadata: [
            "session": "\(opened.id)", "state": "\(state.rawValue)", "positions": "\(positions.count)",
            "open_orders": "\(openOrders.count)", "cash": "\(account.cash)",
        ])
    }

    /// A symbol this session has processed no bar of takes its history as processed, so that every bar stored from
    /// now on — while the engine runs or while it is down — is traded on.
    private func recordHistoryAsProcessed(except processed: [Symbol: Date]) async throws {
        guard let session else { return }
        let history = windows.filter { processed[$0.key] == nil }.compactMapValues { $0.lastBar?.openTime }
        guard !history.isEmpty else { return }
        try await store.saveSnapshot(EquitySnapshot(
            account: account, equity: equity(), unrealizedPnl: unrealizedPnl(), marketTime: history.values.max() ?? session.startedAt,
            peakEquity: session.peakEquity, tradingDay: session.tradingDay, dayStartEquity: session.dayStartEquity, positions: Array(positions.values),
            marks: windows.compactMapValues(\.mark), processedBars: history, recordsBalance: false
        ), sessionID: session.id, fence: try requireFence())
    }

    /// An entry whose position has an exit never trades again: one its exit asked to cancel (a crash came between
    /// the exit's write and the cancel), or one still working beside a working exit for its symbol.
    private func cancelEntriesBehindExits(session sessionID: Int64) async throws {
        let exiting = Set(openOrders.values.filter { $0.side == .sell }.map(\.symbol))
        for order in openOrders.values.sorted(by: { $0.id < $1.id }) where order.side == .buy && (order.cancelRequested != nil || exiting.contains(order.symbol)) {
            let reason = order.cancelRequested ?? "an exit for \(order.symbol) is working"
            try await cancel(order, reason: reason)
            let finding = "order \(order.clientOrderID): entry canceled at start because its position has an exit (\(reason))"
            logger.notice("reconciliation", metadata: ["client_order_id": "\(order.clientOrderID)", "finding": "\(finding)"])
            try await store.recordRiskEvent(kind: "reconciliation", symbol: order.symbol, reason: finding, detail: ["client_order_id": order.clientOrderID], sessionID: sessionID)
        }
    }

    /// Compares the account at the broker with the books. Each difference is logged and recorded (risk_events,
    /// kind `reconciliation`); a balance the account does not have halts new entries until an operator resumes,
    /// since entries would spend money that is not there and exits would sell what is not held.
    private func reconcileAccount(session sessionID: Int64) async throws {
        let books = AccountBooks(
            cash: account.cash, positions: Dictionary(uniqueKeysWithValues: positions.map { ($0.key.rawValue, $0.value.quantity) }),
            workingOrders: openOrders.values.sorted { $0.id < $1.id }.map {
                AccountBooks.WorkingOrder(clientOrderId: $0.clientOrderID, symbol: $0.symbol.rawValue, filledQuantity: $0.filledQuantity)
            },
            symbols: settings.symbols.map(\.rawValue)
        )
        let differences = try await broker.compareAccount(with: books)
        for difference in differences {
            logger.warning("reconciliation: the account differs from the books", metadata: ["difference": "\(difference.kind.rawValue)", "detail": "\(difference.detail)"])
            try await store.recordRiskEvent(
                kind: "reconciliation", symbol: nil, reason: difference.detail, detail: ["difference": difference.kind.rawValue, "subject": difference.subject],
                sessionID: sessionID
            )
        }
        let shortfalls = differences.filter { $0.kind == .balanceShortfall }
        if let first = shortfalls.first, session?.state == .active {
            let more = shortfalls.count > 1 ? " (and \(shortfalls.count - 1) more)" : ""
            try await changeState(
                to: .halted, reason: "reconciliation: \(first.detail)\(more); compare with keelson live sync-balance, fix, then resume", kind: "reconciliation",
                resetReferences: false
            )
        }
    }

    /// Decides every stored signal the engine has not decided yet (missed pushes, signals stored while it
    /// was down or standing by). Signals older than the session are not its business. First settles orders whose
    /// outcome the broker did not know.
    func catchUp() async throws {
        guard notReadyReason == nil, let since = session?.startedAt.addingTimeInterval(-Double(settings.signalMaxAge.components.seconds)) else { return }
        try await serially {
            for report in await broker.outstandingReports() { try await settle(report) }
        }
        let missed = try await store.undecidedSignals(since: since, limit: 500)
        if !missed.isEmpty {
            _ = try await handle(signals: missed)
        }
        let candles = try await storedBarsAfterWindows()
        if !candles.isEmpty { _ = try await handle(candles: candles) }
        metrics.secondsSinceLastSignal(lastSignalAt)
    }

    /// Every stored bar newer than the last one seen per symbol, read to the end in pages.
    private func storedBarsAfterWindows() async throws -> [Candle] {
        let pageSize = 500
        var candles: [Candle] = []
        for symbol in settings.symbols {
            guard var after = windows[symbol]?.lastBar?.openTime else { continue }
            while true {
                let page = try await candleStore.candles(exchange: settings.marketExchange, symbol: symbol, interval: settings.timeframe, after: after, limit: pageSize)
                candles += page
                guard page.count == pageSize, let last = page.last?.openTime else { break }
                after = last
            }
        }
        return candles
    }

    // MARK: Signals

    public struct SignalResult: Sendable, Codable, Equatable {
        public var id: Int64
        public var outcome: String
        public var detail: String?

        public init(id: Int64, outcome: String, detail: String?) {
            self.id = id
            self.outcome = outcome
            self.detail = detail
        }
    }

    /// Decides the signals with these ids, read back from the signals table (the source of truth).
    func handle(signalIDs: [Int64]) async throws -> [SignalResult] {
        try requireReady()
        let stored = try await store.signals(ids: signalIDs)
        let known = Set(stored.map(\.id))
        let unknown = signalIDs.filter { !known.contains($0) }.map { SignalResult(id: $0, outcome: "unknown", detail: "no signal with this id in the signals table") }
        return try await handle(signals: stored) + unknown
    }

    func handle(signals: [StoredSignal]) async throws -> [SignalResult] {
        try requireReady()
        return try await serially {
            var results: [SignalResult] = []
            for signal in signals.sorted(by: { $0.id < $1.id }) {
                results.append(try await decide(signal))
            }
            return results
        }
    }

    private func decide(_ stored: StoredSignal) async throws -> SignalResult {
        guard let session else { throw EngineError.unavailable("no session") }
        let decision = decision(for: stored)
        let fence = try requireFence()
        lastSignalAt = .now
        let cancelReason = "exit on signal \(stored.id)"
        guard let outcome = try await store.recordDecision(
            signal: stored, sessionID: session.id, decision: decision, acceptedBy: broker.acceptsOrdersOnRecord ? broker.name : nil,
            cancelReason: cancelReason, fence: fence
        ) else {
            metrics.signalDecided("duplicate")
            return SignalResult(id: stored.id, outcome: "duplicate", detail: "decided before; nothing done")
        }
        switch outcome {
        case .rejected:
            guard case .rejection(let rejection) = decision else { break }
            metrics.signalDecided("rejected", code: rejection.code.rawValue)
            logger.info("signal rejected", metadata: ["signal_id": "\(stored.id)", "symbol": "\(stored.signal.symbol)", "reason": "\(rejection)"])
            return SignalResult(id: stored.id, outcome: "rejected", detail: rejection.description)
        case .ordered(let order):
            metrics.signalDecided("ordered")
            metrics.orderTransition(.new)
            if order.status == .submitted { metrics.orderTransition(.submitted) }
            openOrders[order.clientOrderID] = order
            logger.info("order written", metadata: ["order_id": "\(order.id)", "client_order_id": "\(order.clientOrderID)", "side": "\(order.side.rawValue)", "quantity": "\(order.quantity)"])
            if crashPoint == .afterOrderWritten { crashPoint?.trigger() }
            if order.side == .sell {
                markEntriesForCancel(order.symbol, reason: cancelReason)
                if crashPoint == .afterExitWritten { crashPoint?.trigger() }
                try await cancelWorkingEntries(order.symbol)
            }
            try await send(order, immediateFill: nil)
            return SignalResult(id: stored.id, outcome: "ordered", detail: order.clientOrderID)
        }
        return SignalResult(id: stored.id, outcome: "rejected", detail: nil)
    }

    private func decision(for stored: StoredSignal) -> SignalDecision {
        let signal = stored.signal
        let symbol = signal.symbol
        let age = Date.now.timeIntervalSince(stored.createdAt)
        if age > Double(settings.signalMaxAge.components.seconds) {
            return .rejection(RiskRejection(.staleSignal, "signal \(stored.id) is \(Int(age)) s old, older than the \(settings.signalMaxAge.components.seconds) s limit (KEELSON_SIGNAL_MAX_AGE_SECONDS)"))
        }
        guard settings.symbols.contains(symbol) else {
            return .rejection(RiskRejection(.symbolNotTraded, "\(symbol) is not among the traded symbols (\(settings.symbols.map(\.rawValue).joined(separator: ",")))"))
        }
        guard signal.interval == settings.timeframe else {
            return .rejection(RiskRejection(.otherTimeframe, "signal on \(signal.interval.rawValue) bars; the engine trades \(settings.timeframe.rawValue)"))
        }
        let state = session?.state ?? .stopped
        switch signal.side {
        case .buy:
            if openOrders.values.contains(where: { $0.symbol == symbol && $0.side == .buy }) {
                return .rejection(RiskRejection(.positionOpen, "an entry order for \(symbol) is still working"))
            }
            let context = RiskManager.EntryContext(
                symbol: symbol, price: signal.price, atr: windows[symbol]?.atr, equity: equity(), cash: account.cash,
                openPositions: positions.count + openOrders.values.filter { $0.side == .buy }.count,
                hasPosition: positions[symbol] != nil, state: state,
                cooldownUntil: lastStopOut[symbol].map { risk.cooldownEnd(afterStopOutAt: $0, interval: settings.timeframe) },
                now: signal.barTime.addingTimeInterval(TimeInterval(signal.interval.seconds)), rules: settings.rules(for: symbol)
            )
            switch risk.planEntry(context) {
            case .failure(let rejection): return .rejection(rejection)
            case .success(let plan):
                let exits = PlannedExits(plan.exitPlan(decisionPrice: signal.price))
                return .order(OrderDraft(
                    clientOrderID: ClientOrderID.forSignal(stored.id), symbol: symbol, side: .buy, quantity: plan.quantity, cause: .signal,
                    signalID: stored.id, decidedAfterBar: signal.barTime, expectedPrice: signal.price, plannedExits: exits
                ))
            }
        case .sell:
            guard state.allowsExits else { return .rejection(RiskRejection(.tradingStopped, "trading is stopped (kill switch): nothing is sent until an operator resumes")) }
            guard let position = positions[symbol], position.quantity > 0 else {
                return .rejection(RiskRejection(.noPosition, "no \(symbol) position to sell; spot trading is long only"))
            }
            if openOrders.values.contains(where: { $0.symbol == symbol && $0.side == .sell }) {
                return .rejection(RiskRejection(.exitPending, "an exit for \(symbol) is already working"))
            }
            return .order(OrderDraft(
                clientOrderID: ClientOrderID.forSignal(stored.id), symbol: symbol, side: .sell, quantity: position.quantity, cause: .signal,
                signalID: stored.id, decidedAfterBar: signal.barTime, expectedPrice: signal.price, plannedExits: nil
            ))
        }
    }

    /// Sends an order and settles what the broker answers. A broker whose acceptance is the row (paper) has the
    /// order `submitted` before it hears of it; an exchange's order stays `new` until the exchange has answered.
    private func send(_ order: OrderRecord, immediateFill: (price: Decimal, bar: Candle)?) async throws {
        var current = order
        if current.status == .new, broker.acceptsOrdersOnRecord {
            current = try await store.transition(current, to: .submitted, broker: broker.name, reason: nil, fence: try requireFence())
            metrics.orderTransition(.submitted)
            openOrders[current.clientOrderID] = current
        }
        try await settle(try await broker.submit(brokerOrder(current, immediateFill: immediateFill)))
        updateOrderMetrics()
    }

    /// Records what the broker says of an order: that it holds it (`new` → `submitted`, with the exchange's id
    /// and the quantity it works), its executions, then how it ended. A rejection and an unknown outcome are
    /// also risk events, for the operator.
    private func settle(_ report: BrokerOrderReport) async throws {
        guard var order = openOrders[report.clientOrderID] else {
            for execution in report.executions { try await apply(execution) }  // logged as unknown there
            return
        }
        if order.status == .new, report.brokerHeldOrder {
            order = try await store.transition(
                order, to: .submitted, broker: broker.name, reason: nil, exchangeOrderID: report.exchangeOrderID, workingQuantity: report.workingQuantity,
                fence: try requireFence()
            )
            metrics.orderTransition(.submitted)
            openOrders[order.clientOrderID] = order
        }
        for execution in report.executions { try await apply(execution) }
        guard let current = openOrders[report.clientOrderID] else { return }
        switch report.outcome {
        case .accepted:
            break
        case .ended(let status, let reason):
            try await end(current, as: status, reason: reason)
        case .rejected(let reason):
            // A working order the exchange turns out not to know can no longer be "rejected": it is canceled.
            let status: OrderStatus = OrderStateMachine.allowedTransitions(from: current.status).contains(.rejected) ? .rejected : .canceled
            try await end(current, as: status, reason: reason)
            try await recordOrderEvent("order_rejected", current, reason)
        case .unknown(let reason):
            logger.warning("order status unknown", metadata: ["client_order_id": "\(current.clientOrderID)", "reason": "\(reason)"])
            try await recordOrderEvent("order_status_unknown", current, reason)
        }
    }

    private func recordOrderEvent(_ kind: String, _ order: OrderRecord, _ reason: String) async throws {
        guard let session else { return }
        try await store.recordRiskEvent(
            kind: kind, symbol: order.symbol, reason: "order \(order.clientOrderID): \(reason)",
            detail: ["client_order_id": order.clientOrderID, "broker": broker.name], sessionID: session.id
        )
    }

    private func end(_ order: OrderRecord, as status: OrderStatus, reason: String) async throws {
        _ = try await store.transition(order, to: status, broker: broker.name, reason: reason, fence: try requireFence())
        metrics.orderTransition(status)
        openOrders[order.clientOrderID] = nil
        logger.info("order ended", metadata: ["client_order_id": "\(order.clientOrderID)", "status": "\(status.rawValue)", "reason": "\(reason)"])
    }

    /// Cancels a working order at the broker and settles how it really ended: canceled, filled first, or — when
    /// the broker cannot tell — still working until it can.
    private func cancel(_ order: OrderRecord, reason: String) async throws {
        try await settle(try await broker.cancel(brokerOrder(order), reason: reason))
    }

    private func brokerOrder(_ order: OrderRecord, immediateFill: (price: Decimal, bar: Candle)? = nil) -> BrokerOrder {
        BrokerOrder(
            clientOrderID: order.clientOrderID, symbol: order.symbol, side: order.side, quantity: order.quantity, cause: order.cause,
            filledQuantity: order.filledQuantity,
            averageFillPrice: order.averageFillPrice, expectedPrice: order.expectedPrice, decidedAfterBar: order.decidedAfterBar, placedAt: order.createdAt,
            fillCount: order.fillCount, lastFillBar: order.lastFillBar, immediateFill: immediateFill
        )
    }

    // MARK: Candles

    public struct CandleResult: Sendable, Codable, Equatable, ResponseEncodable {
        public var accepted: Int
        public var fills: Int
        public var state: String
        /// From receiving the batch to the last fill it caused being committed (the fill half of signal-to-fill).
        public var fillLatencyMilliseconds: Double?

        enum CodingKeys: String, CodingKey {
            case accepted, fills, state
            case fillLatencyMilliseconds = "fill_latency_ms"
        }
    }

    /// - Parameter received: when the batch arrived (the route passes the start of the request), for the fill latency.
    func handle(candles: [Candle], received: ContinuousClock.Instant = .now) async throws -> CandleResult {
        try requireReady()
        return try await serially {
            lastFillCommittedAt = nil
            let (accepted, fills) = try await ingest(candles)
            let fillLatency = lastFillCommittedAt.map { ($0 - received).milliseconds }
            return CandleResult(accepted: accepted, fills: fills, state: (session?.state ?? .stopped).rawValue, fillLatencyMilliseconds: fillLatency)
        }
    }

    /// Fills, stops and marks for every bar newer than its symbol's last, in market order; then the limits, and the
    /// snapshot that records the newest bar processed per symbol (what a restart replays from).
    private func ingest(_ candles: [Candle]) async throws -> (accepted: Int, fills: Int) {
        var accepted = 0
        var fills = 0
        var marketTime: Date?
        var processed: [Symbol: Date] = [:]
        for candle in candles.sorted(by: { ($0.openTime, $0.symbol.rawValue) < ($1.openTime, $1.symbol.rawValue) }) {
            guard settings.symbols.contains(candle.symbol), candle.interval == settings.timeframe, candle.exchange == settings.marketExchange,
                  var window = windows[candle.symbol]
            else { continue }
            // Older and repeated bars (at-least-once pushes) are skipped before they can touch the trading day.
            guard window.append(candle) else { continue }
            rollTradingDay(to: candle.openTime)
            windows[candle.symbol] = window
            accepted += 1
            fills += try await process(candle)
            marketTime = candle.closeTime
            processed[candle.symbol] = candle.openTime
        }
        if let marketTime { try await afterCandles(marketTime: marketTime, processed: processed) }
        return (accepted, fills)
    }

    private func process(_ candle: Candle) async throws -> Int {
        var fills = 0
        for execution in await broker.executions(on: candle) {
            try await apply(execution)
            fills += 1
        }
        let symbol = candle.symbol
        guard let state = session?.state, state.allowsExits, var position = positions[symbol], position.quantity > 0, let stops = position.stops,
              !openOrders.values.contains(where: { $0.symbol == symbol && $0.side == .sell })
        else { return fills }
        if let trigger = stops.trigger(on: candle) {
            logger.info("exit triggered", metadata: ["symbol": "\(symbol)", "cause": "\(trigger.cause.rawValue)", "level": "\(trigger.level)", "bar": "\(candle.openTime.formatted(.iso8601))"])
            // Decided "after" the second before this bar: should the immediate fill be lost to a crash, the restored
            // order still fills on this bar, at the stop's price (`BrokerOrder.triggeredStopPrice`).
            return fills + (try await exit(symbol, cause: trigger.cause, expectedPrice: trigger.level, immediateFill: (trigger.price, candle), decidedAfterBar: candle.openTime.addingTimeInterval(-1)))
        }
        let advanced = stops.advanced(by: candle)
        if advanced != stops {
            position.stops = advanced
            positions[symbol] = position
            stopsMoved = true
        }
        return fills
    }

    /// Writes and sends the order that closes `symbol`'s position. Returns the fills it made at once.
    ///
    /// The exit, the cancel request on the entries still working and the attempt counter are one write, so a crash
    /// right after it can neither leave an entry buying against the exit nor reuse the exit's id.
    @discardableResult
    private func exit(_ symbol: Symbol, cause: OrderCause, expectedPrice: Decimal?, immediateFill: (price: Decimal, bar: Candle)?, decidedAfterBar: Date) async throws -> Int {
        guard let session, var position = positions[symbol] else { return 0 }
        let reason = "exit: \(cause.rawValue)"
        let written = try await store.recordExit(
            ExitRequest(
                symbol: symbol, entryOrderID: position.entryOrderID, attempt: position.exitAttempts, quantity: position.quantity, cause: cause,
                decidedAfterBar: decidedAfterBar, expectedPrice: expectedPrice, cancelReason: reason
            ), sessionID: session.id, fence: try requireFence()
        )
        position.exitAttempts = written.attempt + 1
        positions[symbol] = position
        if !written.skipped.isEmpty {
            logger.warning("exit ids used before were skipped", metadata: ["symbol": "\(symbol)", "skipped": "\(written.skipped.joined(separator: ", "))", "sent": "\(written.order.clientOrderID)"])
        }
        let order = written.order
        if openOrders[order.clientOrderID] == nil { metrics.orderTransition(.new) }
        openOrders[order.clientOrderID] = order
        markEntriesForCancel(symbol, reason: reason)
        if crashPoint == .afterExitWritten { crashPoint?.trigger() }
        try await cancelWorkingEntries(symbol)
        let before = fillsRecorded
        try await send(order, immediateFill: immediateFill)
        return fillsRecorded - before
    }

    private var fillsRecorded = 0
    private var lastFillCommittedAt: ContinuousClock.Instant?

    /// Mirrors in memory the cancel request an exit wrote on the symbol's working entries.
    private func markEntriesForCancel(_ symbol: Symbol, reason: String) {
        for (id, order) in openOrders where order.symbol == symbol && order.side == .buy && order.cancelRequested == nil {
            openOrders[id]?.cancelRequested = reason
        }
    }

    /// An exit closes what was bought so far; the rest of a partly filled entry must not keep buying after it.
    private func cancelWorkingEntries(_ symbol: Symbol) async throws {
        for order in openOrders.values.sorted(by: { $0.id < $1.id }) where order.symbol == symbol && order.side == .buy {
            try await cancel(order, reason: order.cancelRequested ?? "exit")
        }
    }

    /// One execution: order, position, trade, cash and session peak, committed together, then mirrored in memory.
    private func apply(_ execution: BrokerExecution) async throws {
        guard let session, var order = openOrders[execution.clientOrderID] else {
            logger.error("execution for an order the engine does not know", metadata: ["client_order_id": "\(execution.clientOrderID)"])
            return
        }
        let previous = order.status
        let filled = order.filledQuantity + execution.quantity
        let average = ((order.averageFillPrice ?? 0) * order.filledQuantity + execution.price * execution.quantity) / filled
        order.filledQuantity = filled
        order.averageFillPrice = average.rounded(scale: 12)
        order.status = try OrderStateMachine.transition(from: previous, to: OrderStateMachine.statusAfterFill(filled: filled, of: order.quantity))
        order.fillCount += 1
        order.lastFillBar = execution.bar ?? order.lastFillBar

        let symbol = order.symbol
        var position = positions[symbol] ?? Position(symbol: symbol, entryOrderID: order.id, openedAt: execution.time, stops: nil)
        let input = FillInput(
            orderID: order.id, side: order.side, quantity: execution.positionQuantity, price: execution.price, fee: execution.fee,
            time: execution.time, cause: order.cause
        )
        let effect = try position.apply(input)
        if order.side == .buy, let planned = order.plannedExits {
            let highest = max(position.stops?.highestPrice ?? 0, position.averageEntryPrice)
            var stops = planned.plan.stops(entryPrice: position.averageEntryPrice, rules: settings.rules(for: symbol))
            stops.highestPrice = highest
            position.stops = stops
        }
        var newAccount = account
        newAccount.cash += effect.cashDelta
        newAccount.realizedPnl += effect.realizedPnlDelta
        newAccount.feesPaid += execution.fee

        var newPositions = positions
        newPositions[symbol] = position.quantity > 0 ? position : nil
        var marks = windows.compactMapValues(\.mark)
        if marks[symbol] == nil { marks[symbol] = execution.price }
        let unrealized = newPositions.values.reduce(Decimal(0)) { $0 + $1.unrealizedPnl(at: marks[$1.symbol] ?? $1.averageEntryPrice) }
        let equity = newAccount.cash + newPositions.values.reduce(Decimal(0)) { $0 + $1.marketValue(at: marks[$1.symbol] ?? $1.averageEntryPrice) }
        let peak = max(session.peakEquity, equity)

        let commit = FillCommit(
            order: order, previousStatus: previous, exchangeFillID: execution.exchangeFillID, fill: input, executedQuantity: execution.quantity,
            commission: execution.commission?.description, expectedPrice: order.expectedPrice,
            slippageBps: execution.slippageBps, latencyMilliseconds: execution.latencyMilliseconds, position: position, trade: effect.closedTrade,
            account: newAccount, equity: equity, unrealizedPnl: unrealized, peakEquity: peak, marks: marks
        )
        let recorded = try await store.applyFill(commit, sessionID: session.id, fence: try requireFence())
        await broker.confirm(execution)
        guard recorded else {
            logger.warning("execution recorded before; ignored", metadata: ["exchange_fill_id": "\(execution.exchangeFillID)"])
            return
        }
        if crashPoint == .afterFillRecorded { crashPoint?.trigger() }
        fillsRecorded += 1
        lastFillCommittedAt = .now
        lastSnapshot = (execution.time, equity)
        positions = newPositions
        account = newAccount
        self.session?.peakEquity = peak
        if order.status.isOpen { openOrders[order.clientOrderID] = order } else { openOrders[order.clientOrderID] = nil }
        if let trade = effect.closedTrade, trade.exitReason == .stopLoss || trade.exitReason == .trailingStop {
            lastStopOut[symbol] = trade.exitTime
        }
        metrics.fill(side: order.side, slippageBps: execution.slippageBps, latencyMilliseconds: execution.latencyMilliseconds)
        metrics.lastFill(at: .now)
        metrics.orderTransition(order.status)
        logger.info("fill recorded", metadata: [
            "order_id": "\(order.id)", "client_order_id": "\(order.clientOrderID)", "quantity": "\(execution.quantity)", "price": "\(execution.price)",
            "status": "\(order.status.rawValue)", "cash": "\(newAccount.cash)",
        ])
    }

    // MARK: Limits, snapshots, the trading day

    private static let dayFormat: Date.ISO8601FormatStyle = .iso8601.year().month().day()

    private func rollTradingDay(to time: Date) {
        let day = time.formatted(Self.dayFormat)
        guard session?.tradingDay != day else { return }
        session?.tradingDay = day
        session?.dayStartEquity = equity()
    }

    private func afterCandles(marketTime: Date, processed: [Symbol: Date]) async throws {
        guard var current = session else { return }
        let equity = equity()
        current.peakEquity = max(current.peakEquity, equity)
        session = current
        if current.state == .active,
           let breach = risk.limitBreach(equity: equity, dayStartEquity: current.dayStartEquity ?? current.initialBalance, peakEquity: current.peakEquity)
        {
            try await changeState(to: .halted, reason: breach.reason, kind: breach.kind.rawValue, resetReferences: false)
        }
        let changed = lastSnapshot.map { $0.equity != equity || marketTime.timeIntervalSince($0.time) >= 60 } ?? true
        let recordsBalance = changed || stopsMoved
        try await store.saveSnapshot(EquitySnapshot(
            account: account, equity: equity, unrealizedPnl: unrealizedPnl(), marketTime: marketTime, peakEquity: current.peakEquity,
            tradingDay: current.tradingDay, dayStartEquity: current.dayStartEquity, positions: Array(positions.values), marks: windows.compactMapValues(\.mark),
            processedBars: processed, recordsBalance: recordsBalance
        ), sessionID: current.id, fence: try requireFence())
        if recordsBalance {
            lastSnapshot = (marketTime, equity)
            stopsMoved = false
        }
        updatePortfolioMetrics()
    }

    private func equity() -> Decimal {
        account.cash + positions.values.reduce(Decimal(0)) { $0 + $1.marketValue(at: windows[$1.symbol]?.mark ?? $1.averageEntryPrice) }
    }

    private func unrealizedPnl() -> Decimal {
        positions.values.reduce(Decimal(0)) { $0 + $1.unrealizedPnl(at: windows[$1.symbol]?.mark ?? $1.averageEntryPrice) }
    }

    private func changeState(to state: TradingState, reason: String, kind: String, resetReferences: Bool) async throws {
        guard let current = session else { return }
        let equity = equity()
        try await store.setState(state, reason: reason, kind: kind, sessionID: current.id, resetReferences: resetReferences ? equity : nil, fence: try requireFence())
        session?.state = state
        session?.stateReason = reason
        if resetReferences {
            session?.peakEquity = equity
            session?.dayStartEquity = equity
        }
        metrics.tradingState(state)
        logger.notice("trading state changed", metadata: ["state": "\(state.rawValue)", "kind": "\(kind)", "reason": "\(reason)"])
    }

    private func updatePortfolioMetrics() {
        guard let session else { return }
        let equity = equity()
        let dayStart = session.dayStartEquity ?? session.initialBalance
        let drawdown = session.peakEquity > 0 ? (session.peakEquity - equity) / session.peakEquity * 100 : 0
        metrics.portfolio(equity: equity, cash: account.cash, dailyPnl: equity - dayStart, drawdownPercent: drawdown, openPositions: positions.count)
        updateOrderMetrics()
    }

    private func updateOrderMetrics() {
        metrics.openOrders(Dictionary(grouping: openOrders.values, by: \.status).mapValues(\.count))
    }

    // MARK: Operator controls

    public struct ControlResult: Sendable, Codable, Equatable {
        public var state: String
        public var changed: Bool
        public var detail: String
    }

    /// The kill switch: `stopped`. Working orders are canceled, nothing more is sent (stops included) until
    /// an operator resumes.
    func halt(reason: String) async throws -> ControlResult {
        try requireReady()
        return try await serially {
            guard session?.state != .stopped else { return ControlResult(state: "stopped", changed: false, detail: "already stopped: \(session?.stateReason ?? "")") }
            try await changeState(to: .stopped, reason: reason, kind: "operator_halt", resetReferences: false)
            let working = openOrders.count
            for order in openOrders.values.sorted(by: { $0.id < $1.id }) {
                try await cancel(order, reason: "kill switch: \(reason)")
            }
            updateOrderMetrics()
            let unknown = openOrders.isEmpty ? "" : "; \(openOrders.count) orders of unknown status are asked about until known"
            return ControlResult(
                state: "stopped", changed: true,
                detail: "kill switch on: \(working - openOrders.count) working orders canceled\(unknown); \(positions.count) positions left open and their stops are not watched until resume or close-all"
            )
        }
    }

    /// `halted`: no new entries; exits and stops keep running.
    func stopEntries(reason: String) async throws -> ControlResult {
        try requireReady()
        return try await serially {
            guard session?.state != .halted else { return ControlResult(state: "halted", changed: false, detail: "already halted: \(session?.stateReason ?? "")") }
            // Leaving the kill switch re-arms stops, which only an explicit resume may do.
            guard session?.state != .stopped else {
                return ControlResult(state: "stopped", changed: false, detail: "trading is stopped (kill switch); resume first, then stop entries")
            }
            try await changeState(to: .halted, reason: reason, kind: "operator_stop_entries", resetReferences: false)
            return ControlResult(state: "halted", changed: true, detail: "no new entries; exits and stops keep running")
        }
    }

    /// Back to `active`; the drawdown peak and the day's starting equity restart from current equity, so a
    /// limit that was hit does not halt again at once.
    func resume(reason: String) async throws -> ControlResult {
        try requireReady()
        return try await serially {
            guard session?.state != .active else { return ControlResult(state: "active", changed: false, detail: "already active") }
            try await changeState(to: .active, reason: reason, kind: "operator_resume", resetReferences: true)
            return ControlResult(state: "active", changed: true, detail: "trading resumed; drawdown and daily loss are measured from equity \(equity().rounded(scale: 2))")
        }
    }

    static let maintenancePrefix = "maintenance: "

    /// Maintenance on: working orders, exits and stops carry on, new entries are refused (like stop-entries);
    /// off: back to active, but only when maintenance is what halted trading — a loss-limit halt stays.
    func maintenance(on: Bool, reason: String) async throws -> ControlResult {
        try requireReady()
        return try await serially {
            let state = session?.state ?? .active
            let inMaintenance = state == .halted && (session?.stateReason ?? "").hasPrefix(Self.maintenancePrefix)
            if on {
                guard !inMaintenance else { return ControlResult(state: state.rawValue, changed: false, detail: "maintenance is already on: \(session?.stateReason ?? "")") }
                guard state == .active else {
                    return ControlResult(state: state.rawValue, changed: false, detail: "trading is already \(state.rawValue) (\(session?.stateReason ?? "")); no new entries are made")
                }
                try await changeState(to: .halted, reason: Self.maintenancePrefix + reason, kind: "maintenance_on", resetReferences: false)
                return ControlResult(state: "halted", changed: true, detail: "maintenance on: orders in flight, exits and stops carry on; no new entries")
            }
            guard inMaintenance else {
                return ControlResult(state: state.rawValue, changed: false, detail: "maintenance is not on; trading is \(state.rawValue)\(session?.stateReason.map { " (\($0))" } ?? "")")
            }
            try await changeState(to: .active, reason: reason, kind: "maintenance_off", resetReferences: false)
            return ControlResult(state: "active", changed: true, detail: "maintenance off: trading active again")
        }
    }

    /// Sells every position at the next price seen and halts new entries.
    func closeAll(reason: String) async throws -> ControlResult {
        try requireReady()
        return try await serially {
            let halting = session?.state == .active
            if halting {
                try await changeState(to: .halted, reason: "close-all: \(reason)", kind: "operator_close_all", resetReferences: false)
            }
            var sent = 0
            for symbol in positions.keys.sorted(by: { $0.rawValue < $1.rawValue })
            where !openOrders.values.contains(where: { $0.symbol == symbol && $0.side == .sell }) {
                let after = windows[symbol]?.lastBar?.openTime ?? .now
                try await exit(symbol, cause: .closeAll, expectedPrice: windows[symbol]?.mark, immediateFill: nil, decidedAfterBar: after)
                sent += 1
            }
            return ControlResult(
                state: (session?.state ?? .halted).rawValue, changed: sent > 0 || halting,
                detail: sent > 0 ? "\(sent) exit orders sent; they fill at the next price seen" : "no position without a working exit; nothing sent"
            )
        }
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
