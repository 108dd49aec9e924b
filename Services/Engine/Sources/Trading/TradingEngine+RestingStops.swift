import Foundation
import KeelsonDomain
import KeelsonPersistence
import KeelsonTrading
import Logging

/// Live positions keep a stop-loss resting on the exchange (Binance STOP_LOSS_LIMIT), so they stay protected while
/// no engine leads: a crash, a deploy, a partition. While the engine runs its own stops still decide every exit; an
/// exit first cancels the resting stop, and a stop that fired first is found by that cancel (never sold twice).
///
/// Each stop is an exit order of its position (`k-exit-<entry>-<attempt>`, type `stop_loss_limit`), so start-up
/// asks for it like any open order: one that fired while the engine was down becomes the position's exit fill.
extension TradingEngine {
    /// The stop resting on the exchange for `symbol`, if any.
    func restingStop(for symbol: Symbol) -> OrderRecord? {
        openOrders.values.first { $0.symbol == symbol && $0.side == .sell && $0.restingStop != nil }
    }

    /// Whether an exit other than the resting stop (a market sell) works for `symbol`.
    func marketExitWorking(for symbol: Symbol) -> Bool {
        openOrders.values.contains { $0.symbol == symbol && $0.side == .sell && $0.restingStop == nil }
    }

    var restsStops: Bool { broker.placesRestingStops && settings.restingStops.enabled }

    /// Brings every position's resting stop in line with the position: placed when missing, resized when the
    /// position's quantity changed (an entry still filling, a partial fill of the stop), raised when the trailing stop
    /// moved up — a cancel and a new order, at most once per `replaceInterval` per symbol. Nothing is sent while the
    /// kill switch is on, beside a market exit, or for a position whose stop the exchange refused.
    func maintainRestingStops() async throws {
        guard restsStops, session != nil, kernel.state.allowsExits else { return }
        for symbol in kernel.positions.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let position = kernel.positions[symbol], !marketExitWorking(for: symbol), !refusedRestingStops.contains(position.entryOrderID),
                let wanted = wantedRestingStop(symbol)
            else { continue }
            if let current = restingStop(for: symbol), let resting = current.restingStop {
                let resize = current.remainingQuantity != wanted.quantity
                let interval = TimeInterval(settings.restingStops.replaceInterval.components.seconds)
                let due = restingStopReplacedAt[symbol].map { Date.now.timeIntervalSince($0) >= interval } ?? true
                let raise = wanted.stop.stopPrice > resting.stopPrice && due
                guard resize || raise else { continue }
                try await cancel(
                    current, reason: resize ? "resting stop resized to \(wanted.quantity)" : "trailing stop raised to \(wanted.stop.stopPrice)")
                // Still open: the cancel's outcome is unknown and asked again; gone with the position: it fired first.
                guard openOrders[current.clientOrderID] == nil, kernel.positions[symbol] != nil else { continue }
                restingStopReplacedAt[symbol] = .now
                metrics.restingStopReplaced(resize ? "resize" : "trailing")
            }
            guard let next = wantedRestingStop(symbol) else { continue }
            try await placeRestingStop(symbol, quantity: next.quantity, stop: next.stop, cause: next.cause)
        }
    }

    /// The stop `symbol`'s position should have resting: its quantity on the lot step, its stop level on the tick.
    private func wantedRestingStop(_ symbol: Symbol) -> (quantity: Decimal, stop: RestingStop, cause: OrderCause)? {
        guard let position = kernel.positions[symbol], let stops = position.stops else { return nil }
        let rules = kernel.rules(for: symbol)
        let quantity = position.quantity.rounded(toMultipleOf: rules.stepSize, .down)
        guard quantity.isPositive else { return nil }
        let level = stops.effectiveStop
        let stop = RestingStop.protecting(level: level.price, offsetBps: settings.restingStops.limitOffsetBps, tickSize: rules.tickSize)
        return (quantity, stop, level.cause)
    }

    private func placeRestingStop(_ symbol: Symbol, quantity: Decimal, stop: RestingStop, cause: OrderCause) async throws {
        guard let session, let position = kernel.positions[symbol] else { return }
        let written = try await store.recordExit(
            ExitRequest(
                symbol: symbol, entryOrderID: position.entryOrderID, attempt: position.exitAttempts, quantity: quantity, cause: cause,
                decidedAfterBar: windows[symbol]?.lastBar?.openTime ?? .now, expectedPrice: stop.stopPrice, cancelReason: "", restingStop: stop
            ), sessionID: session.id, fence: try requireFence()
        )
        kernel.positions[symbol]?.exitAttempts = written.attempt + 1
        let order = written.order
        if openOrders[order.clientOrderID] == nil { metrics.orderTransition(.new) }
        openOrders[order.clientOrderID] = order
        logger.info(
            "resting stop written",
            metadata: [
                "symbol": "\(symbol)", "client_order_id": "\(order.clientOrderID)", "quantity": "\(quantity)", "stop": "\(stop.stopPrice)",
                "limit": "\(stop.limitPrice)",
            ])
        try await send(order, immediateFill: nil)
        // Refused (a filter, a stop the price already passed): the engine's own stop guards this position alone.
        if openOrders[order.clientOrderID] == nil, kernel.positions[symbol]?.entryOrderID == position.entryOrderID {
            refusedRestingStops.insert(position.entryOrderID)
            logger.warning(
                "the exchange refused the resting stop; the engine's stop alone protects the position",
                metadata: ["symbol": "\(symbol)", "client_order_id": "\(order.clientOrderID)"])
        }
    }

    /// Before an exit: cancels `symbol`'s resting stop and settles how it really ended. False when the exit must wait
    /// (the cancel's outcome is unknown, so a sell now could sell twice); the position may be gone after (it fired).
    func clearRestingStop(for symbol: Symbol, reason: String) async throws -> Bool {
        guard let stop = restingStop(for: symbol) else { return true }
        try await cancel(stop, reason: reason)
        guard openOrders[stop.clientOrderID] == nil else {
            logger.warning(
                "the resting stop's cancel is not confirmed; the exit waits until it is",
                metadata: ["symbol": "\(symbol)", "client_order_id": "\(stop.clientOrderID)"])
            return false
        }
        return true
    }
}
