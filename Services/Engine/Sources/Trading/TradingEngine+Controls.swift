import Foundation
import KeelsonDomain
import KeelsonTrading
import Logging

extension TradingEngine {
    public struct ControlResult: Sendable, Codable, Equatable {
        public var state: String
        public var changed: Bool
        public var detail: String
    }

    /// The kill switch: `stopped`. Working orders are canceled, nothing more is sent (stops included) until
    /// an operator resumes. Stops resting on the exchange stay: they only ever close positions.
    func halt(reason: String) async throws -> ControlResult {
        try requireReady()
        return try await serially {
            guard state != .stopped else {
                return ControlResult(state: "stopped", changed: false, detail: "already stopped: \(session?.stateReason ?? "")")
            }
            try await changeState(to: .stopped, reason: reason, kind: "operator_halt", resetReferences: false)
            let canceling = openOrders.values.filter { $0.restingStop == nil }.sorted(by: { $0.id < $1.id })
            for order in canceling {
                try await cancel(order, reason: "kill switch: \(reason)")
            }
            updateOrderMetrics()
            let left = canceling.filter { openOrders[$0.clientOrderID] != nil }.count
            let unknown = left == 0 ? "" : "; \(left) orders of unknown status are asked about until known"
            return ControlResult(
                state: "stopped", changed: true,
                detail:
                    "kill switch on: \(canceling.count - left) working orders canceled\(unknown); \(kernel.positions.count) positions left open and their stops are not watched until resume or close-all\(restsStops ? " (stops resting on the exchange stay)" : "")"
            )
        }
    }

    /// `halted`: no new entries; exits and stops keep running.
    func stopEntries(reason: String) async throws -> ControlResult {
        try requireReady()
        return try await serially {
            guard state != .halted else {
                return ControlResult(state: "halted", changed: false, detail: "already halted: \(session?.stateReason ?? "")")
            }
            // Leaving the kill switch re-arms stops, which only an explicit resume may do.
            guard state != .stopped else {
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
            guard state != .active else { return ControlResult(state: "active", changed: false, detail: "already active") }
            try await changeState(to: .active, reason: reason, kind: "operator_resume", resetReferences: true)
            return ControlResult(
                state: "active", changed: true,
                detail: "trading resumed; drawdown and daily loss are measured from equity \(kernel.equity(marks: marks).rounded(scale: 2))")
        }
    }

    static let maintenancePrefix = "maintenance: "

    /// Maintenance on: working orders, exits and stops carry on, new entries are refused (like stop-entries);
    /// off: back to active, but only when maintenance is what halted trading — a loss-limit halt stays — and, given
    /// `onlyIfReasonStartsWith`, only a maintenance whose reason starts so (the watchdog lifts only what it set).
    func maintenance(on: Bool, reason: String, onlyIfReasonStartsWith prefix: String? = nil) async throws -> ControlResult {
        try requireReady()
        return try await serially {
            let state = self.state ?? .active
            let inMaintenance = state == .halted && (session?.stateReason ?? "").hasPrefix(Self.maintenancePrefix)
            if on {
                guard !inMaintenance else {
                    return ControlResult(state: state.rawValue, changed: false, detail: "maintenance is already on: \(session?.stateReason ?? "")")
                }
                guard state == .active else {
                    return ControlResult(
                        state: state.rawValue, changed: false,
                        detail: "trading is already \(state.rawValue) (\(session?.stateReason ?? "")); no new entries are made")
                }
                try await changeState(to: .halted, reason: Self.maintenancePrefix + reason, kind: "maintenance_on", resetReferences: false)
                return ControlResult(
                    state: "halted", changed: true, detail: "maintenance on: orders in flight, exits and stops carry on; no new entries")
            }
            guard inMaintenance else {
                return ControlResult(
                    state: state.rawValue, changed: false,
                    detail: "maintenance is not on; trading is \(state.rawValue)\(session?.stateReason.map { " (\($0))" } ?? "")")
            }
            if let prefix, !(session?.stateReason ?? "").hasPrefix(Self.maintenancePrefix + prefix) {
                return ControlResult(
                    state: state.rawValue, changed: false,
                    detail: "maintenance was not set with a reason starting '\(prefix)' (\(session?.stateReason ?? "")); it stays on")
            }
            try await changeState(to: .active, reason: reason, kind: "maintenance_off", resetReferences: false)
            return ControlResult(state: "active", changed: true, detail: "maintenance off: trading active again")
        }
    }

    /// Sells every position at the next price seen and halts new entries.
    func closeAll(reason: String) async throws -> ControlResult {
        try requireReady()
        return try await serially {
            let halting = state == .active
            if halting {
                try await changeState(to: .halted, reason: "close-all: \(reason)", kind: "operator_close_all", resetReferences: false)
            }
            var sent = 0
            for symbol in kernel.positions.keys.sorted(by: { $0.rawValue < $1.rawValue })
            where !marketExitWorking(for: symbol) {
                let after = windows[symbol]?.lastBar?.openTime ?? .now
                try await exit(symbol, cause: .closeAll, expectedPrice: windows[symbol]?.mark, immediateFill: nil, decidedAfterBar: after)
                sent += 1
            }
            return ControlResult(
                state: (state ?? .halted).rawValue, changed: sent > 0 || halting,
                detail: sent > 0 ? "\(sent) exit orders sent; they fill at the next price seen" : "no position without a working exit; nothing sent"
            )
        }
    }
}
