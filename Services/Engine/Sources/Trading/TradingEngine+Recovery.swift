import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonPersistence
import KeelsonStrategies
import KeelsonTrading
import Logging

extension TradingEngine {
    func recover() async throws {
        let opened = try await store.openSession(
            SessionRequest(
                mode: startOptions.mode.rawValue, maxCapital: settings.maxCapital, configurationJSON: settings.json,
                newSession: startOptions.newSession, resumeFromLastBalance: startOptions.resumeFromLastBalance
            ))
        let stored = try await store.loadState(session: opened)
        let venueRules = try await broker.symbolRules(for: settings.symbols)
        for (symbol, rules) in venueRules where settings.symbolRules[symbol].map({ $0 != rules }) ?? false {
            logger.notice("the exchange's rules replace the configured ones", metadata: ["symbol": "\(symbol)", "rules": "\(rules)"])
        }
        session = opened
        kernel = Self.kernel(settings: settings, session: opened, stored: stored, venueRules: venueRules)
        lastSignalAt = stored.lastSignalAt
        openOrders = Dictionary(uniqueKeysWithValues: stored.openOrders.map { ($0.clientOrderID, $0) })

        windows = [:]
        for symbol in settings.symbols {
            var window = try MarketWindow(atrPeriod: settings.risk.atrPeriod)
            // History ends at the last bar this session processed; later stored bars are replayed once the broker
            // holds the open orders again. A session that processed none takes the newest bars as history only.
            let end = stored.processedBars[symbol].map { $0.addingTimeInterval(1) }
            let recent = try await candleStore.candles(
                exchange: settings.marketExchange, symbol: symbol, interval: settings.timeframe, before: end, limit: 200)
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
            if executed > 0 {
                findings.append("executed \(executed) while the engine was not listening; recorded as \(report.executions.count) fill(s)")
            }
            if case .ended(let status, let reason) = report.outcome { findings.append("\(status.rawValue): \(reason)") }
            guard !findings.isEmpty else { continue }
            let reason = "order \(report.clientOrderID): " + findings.joined(separator: "; ")
            logger.warning("reconciliation", metadata: ["client_order_id": "\(report.clientOrderID)", "finding": "\(reason)"])
            try await store.recordRiskEvent(
                kind: "reconciliation", symbol: nil, reason: reason, detail: ["client_order_id": report.clientOrderID], sessionID: opened.id)
        }
        reconciliationFindings = try await reconcileAccount(session: opened.id)
        try await cancelEntriesBehindExits(session: opened.id)
        try await recordHistoryAsProcessed(except: stored.processedBars)
        let missed = try await storedBarsAfterWindows()
        if !missed.isEmpty {
            let replayed = try await ingest(missed)
            logger.notice(
                "replayed the bars stored while this session was not processing them",
                metadata: [
                    "bars": "\(replayed.accepted)", "fills": "\(replayed.fills)",
                    "from": "\(missed.first?.openTime.formatted(.iso8601) ?? "")", "to": "\(missed.last?.openTime.formatted(.iso8601) ?? "")",
                ])
        }
        // A stop missing (refused, ended while the engine was down) is placed before trading resumes.
        try await maintainRestingStops()
        let state = kernel.state
        metrics.tradingState(state)
        updatePortfolioMetrics()
        logger.notice(
            "recovered",
            metadata: [
                "session": "\(opened.id)", "state": "\(state.rawValue)", "positions": "\(kernel.positions.count)",
                "open_orders": "\(openOrders.count)", "cash": "\(kernel.account.cash)",
            ])
    }

    /// A symbol this session has processed no bar of takes its history as processed, so that every bar stored from
    /// now on — while the engine runs or while it is down — is traded on.
    func recordHistoryAsProcessed(except processed: [Symbol: Date]) async throws {
        guard let session else { return }
        let history = windows.filter { processed[$0.key] == nil }.compactMapValues { $0.lastBar?.openTime }
        guard !history.isEmpty else { return }
        try await store.saveSnapshot(
            EquitySnapshot(
                account: kernel.account, equity: kernel.equity(marks: marks), unrealizedPnl: kernel.unrealizedPnl(marks: marks),
                marketTime: history.values.max() ?? session.startedAt, limits: kernel.limits, positions: Array(kernel.positions.values), marks: marks,
                processedBars: history, recordsBalance: false
            ), sessionID: session.id, fence: try requireFence())
    }

    /// An entry whose position has an exit never trades again: one its exit asked to cancel (a crash came between
    /// the exit's write and the cancel), or one still working beside a working exit for its symbol.
    func cancelEntriesBehindExits(session sessionID: Int64) async throws {
        let exiting = Set(openOrders.values.filter { $0.side == .sell && $0.restingStop == nil }.map(\.symbol))
        for order in openOrders.values.sorted(by: { $0.id < $1.id })
        where order.side == .buy && (order.cancelRequested != nil || exiting.contains(order.symbol)) {
            let reason = order.cancelRequested ?? "an exit for \(order.symbol) is working"
            try await cancel(order, reason: reason)
            let finding = "order \(order.clientOrderID): entry canceled at start because its position has an exit (\(reason))"
            logger.notice("reconciliation", metadata: ["client_order_id": "\(order.clientOrderID)", "finding": "\(finding)"])
            try await store.recordRiskEvent(
                kind: "reconciliation", symbol: order.symbol, reason: finding, detail: ["client_order_id": order.clientOrderID], sessionID: sessionID)
        }
    }

    /// Compares the account at the broker with the books. Each difference is logged and recorded (risk_events,
    /// kind `reconciliation`); a balance the account does not have halts new entries until an operator resumes,
    /// since entries would spend money that is not there and exits would sell what is not held. With `known`
    /// (the findings of the previous comparison), only new differences are recorded and only a new shortfall halts:
    /// a difference that persists is told once, and an operator who resumed is not overruled every interval.
    @discardableResult
    func reconcileAccount(session sessionID: Int64, known: Set<String>? = nil) async throws -> Set<String> {
        // The account and the orders cannot be read at one instant: an order can fill between asking about it and
        // reading the account (a resting stop the market reached), and its sale would look like a shortfall and halt
        // entries. A comparison that differs asks about the outstanding orders again; if that moved the books, the
        // comparison saw the account mid-change and is made again.
        var differences = try await broker.compareAccount(with: accountBooks())
        for _ in 0..<3 where !differences.isEmpty {
            let books = accountBooks()
            for report in await broker.outstandingReports(dueBy: .distantFuture) { try await settle(report) }
            guard accountBooks() != books else { break }
            differences = try await broker.compareAccountAgain(with: accountBooks())
        }
        metrics.reconciliation(differences)
        let fresh = differences.filter { !(known ?? []).contains(Self.findingKey($0)) }
        for difference in fresh {
            logger.warning(
                "reconciliation: the account differs from the books",
                metadata: ["difference": "\(difference.kind.rawValue)", "detail": "\(difference.detail)"])
            try await store.recordRiskEvent(
                kind: "reconciliation", symbol: nil, reason: difference.detail,
                detail: ["difference": difference.kind.rawValue, "subject": difference.subject],
                sessionID: sessionID
            )
        }
        let shortfalls = fresh.filter { $0.kind == .balanceShortfall }
        if let first = shortfalls.first, state == .active {
            let more = shortfalls.count > 1 ? " (and \(shortfalls.count - 1) more)" : ""
            try await changeState(
                to: .halted, reason: "reconciliation: \(first.detail)\(more); compare with keelson live sync-balance, fix, then resume",
                kind: "reconciliation",
                resetReferences: false
            )
        }
        return Set(differences.map(Self.findingKey))
    }

    /// Live mode, every `reconcileInterval` while leading: the account against the books, telling only what changed.
    func reconcileWhileTrading() async throws {
        try await serially {
            try requireReady()
            guard role == .leader, let sessionID = session?.id else { return }
            // A resting stop the exchange filled since the last follow-up is recorded first, or the sale would look
            // like a shortfall and halt entries.
            for report in await broker.outstandingReports(dueBy: .distantFuture) { try await settle(report) }
            reconciliationFindings = try await reconcileAccount(session: sessionID, known: reconciliationFindings)
        }
    }

    /// The books as the broker compares them with the account: cash, positions and the working orders.
    func accountBooks() -> AccountBooks {
        AccountBooks(
            cash: kernel.account.cash, positions: Dictionary(uniqueKeysWithValues: kernel.positions.map { ($0.key.rawValue, $0.value.quantity) }),
            workingOrders: openOrders.values.sorted { $0.id < $1.id }.map {
                AccountBooks.WorkingOrder(clientOrderId: $0.clientOrderID, symbol: $0.symbol.rawValue, filledQuantity: $0.filledQuantity)
            },
            symbols: settings.symbols.map(\.rawValue)
        )
    }

    static func findingKey(_ difference: AccountDifference) -> String { "\(difference.kind.rawValue) \(difference.subject)" }

    /// Decides every stored signal the engine has not decided yet (missed pushes, signals stored while it
    /// was down or standing by). Signals older than the session are not its business. First settles orders whose
    /// outcome the broker did not know.
    func catchUp() async throws {
        guard notReadyReason == nil, let since = session?.startedAt.addingTimeInterval(-Double(settings.signalMaxAge.components.seconds)) else {
            return
        }
        try await serially {
            for report in await broker.outstandingReports(dueBy: .now) { try await settle(report) }
            try await maintainRestingStops()
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
    func storedBarsAfterWindows() async throws -> [Candle] {
        let pageSize = 500
        var candles: [Candle] = []
        for symbol in settings.symbols {
            guard var after = windows[symbol]?.lastBar?.openTime else { continue }
            while true {
                let page = try await candleStore.candles(
                    exchange: settings.marketExchange, symbol: symbol, interval: settings.timeframe, after: after, limit: pageSize)
                candles += page
                guard page.count == pageSize, let last = page.last?.openTime else { break }
                after = last
            }
        }
        return candles
    }
}
