import Foundation
import KeelsonDomain
import KeelsonPersistence
import KeelsonStrategies
import KeelsonTrading
import Logging

extension TradingEngine {
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
        let unknown = signalIDs.filter { !known.contains($0) }.map {
            SignalResult(id: $0, outcome: "unknown", detail: "no signal with this id in the signals table")
        }
        return try await handle(signals: stored) + unknown
    }

    func handle(signals: [StoredSignal]) async throws -> [SignalResult] {
        try requireReady()
        return try await serially {
            var results: [SignalResult] = []
            for signal in signals.sorted(by: { $0.id < $1.id }) {
                results.append(try await decide(signal))
            }
            try await maintainRestingStops()
            return results
        }
    }

    func decide(_ stored: StoredSignal) async throws -> SignalResult {
        guard let session else { throw EngineError.unavailable("no session") }
        // An entry is sized within what is left of its instance's share of the capital, once the capital is split.
        let allocation = stored.signal.side == .buy ? try await allocation(of: stored.strategy, sessionID: session.id) : nil
        var decision = decision(for: stored, allocation: allocation)
        // A sell first clears the resting stop; if that stop fired, the signal finds no position to sell.
        if case .order(let draft) = decision, draft.side == .sell, restingStop(for: draft.symbol) != nil {
            guard try await clearRestingStop(for: draft.symbol, reason: "exit on signal \(stored.id)") else {
                return SignalResult(id: stored.id, outcome: "deferred", detail: "the resting stop's cancel is not confirmed; decided once it is")
            }
            decision = self.decision(for: stored)
        }
        let fence = try requireFence()
        lastSignalAt = .now
        let cancelReason = "exit on signal \(stored.id)"
        guard
            let outcome = try await store.recordDecision(
                signal: stored, sessionID: session.id, decision: decision, acceptedBy: broker.acceptsOrdersOnRecord ? broker.name : nil,
                cancelReason: cancelReason, fence: fence
            )
        else {
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
            logger.info(
                "order written",
                metadata: [
                    "order_id": "\(order.id)", "client_order_id": "\(order.clientOrderID)", "side": "\(order.side.rawValue)",
                    "quantity": "\(order.quantity)",
                ])
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

    /// `instance`'s share of the capital and what it uses of it; nil before the capital is first split.
    func allocation(of instance: String, sessionID: Int64) async throws -> RiskManager.StrategyAllocation? {
        if allocationCache.map({ ContinuousClock.now - $0.readAt > Self.allocationRefresh }) ?? true {
            allocationCache = (try await store.latestAllocation(), .now)
        }
        guard let amounts = allocationCache?.amounts else { return nil }
        return RiskManager.StrategyAllocation(
            instance: instance, amount: amounts[instance] ?? 0, used: try await store.exposure(of: instance, sessionID: sessionID))
    }

    func decision(for stored: StoredSignal, allocation: RiskManager.StrategyAllocation? = nil) -> SignalDecision {
        let signal = stored.signal
        let symbol = signal.symbol
        let age = Date.now.timeIntervalSince(stored.createdAt)
        if age > Double(settings.signalMaxAge.components.seconds) {
            return .rejection(
                RiskRejection(
                    .staleSignal,
                    "signal \(stored.id) is \(Int(age)) s old, older than the \(settings.signalMaxAge.components.seconds) s limit (KEELSON_SIGNAL_MAX_AGE_SECONDS)"
                ))
        }
        guard settings.symbols.contains(symbol) else {
            return .rejection(
                RiskRejection(
                    .symbolNotTraded, "\(symbol) is not among the traded symbols (\(settings.symbols.map(\.rawValue).joined(separator: ",")))"))
        }
        guard signal.interval == settings.timeframe else {
            return .rejection(
                RiskRejection(.otherTimeframe, "signal on \(signal.interval.rawValue) bars; the engine trades \(settings.timeframe.rawValue)"))
        }
        let entries = openOrders.values.filter { $0.side == .buy }
        let intent = kernel.decideSignal(
            side: signal.side, symbol: symbol, price: signal.price, barTime: signal.barTime, interval: signal.interval, atr: windows[symbol]?.atr,
            marks: marks, entryWorking: entries.contains { $0.symbol == symbol }, workingEntries: entries.count,
            exitWorking: marketExitWorking(for: symbol), allocation: allocation)
        switch intent {
        case .failure(let rejection):
            return .rejection(rejection)
        case .success(.buy(let plan)):
            return .order(
                OrderDraft(
                    clientOrderID: ClientOrderID.forSignal(stored.id), symbol: symbol, side: .buy, quantity: plan.quantity, cause: .signal,
                    signalID: stored.id, decidedAfterBar: signal.barTime, expectedPrice: signal.price,
                    plannedExits: PlannedExits(plan.exitPlan(decisionPrice: signal.price))
                ))
        case .success(.sell(let quantity)):
            return .order(
                OrderDraft(
                    clientOrderID: ClientOrderID.forSignal(stored.id), symbol: symbol, side: .sell, quantity: quantity, cause: .signal,
                    signalID: stored.id, decidedAfterBar: signal.barTime, expectedPrice: signal.price, plannedExits: nil
                ))
        }
    }
}
