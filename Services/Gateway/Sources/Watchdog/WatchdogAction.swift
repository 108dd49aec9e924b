import Foundation

/// A recovery the watchdog decided on: safe, documented (docs/RUNBOOK.md#watchdog), and undone only by itself.
enum WatchdogAction: Sendable, Equatable {
    /// A breaker whose cool-down is over: call the dependency behind it; an answer closes it.
    case probeBreaker(component: String, service: String, breaker: String, symptom: String)
    /// Stored market data went stale while the provider answers (a gap, a stalled stream): the collector fetches what
    /// follows its newest candles and fills the recent holes.
    case catchUpMarketData(symptom: String)
    /// A dependency trading needs has kept failing: no new entries until it recovers.
    case enterMaintenance(cause: String, symptom: String)
    /// Everything trading needs works again: lift the maintenance the watchdog set (never an operator's).
    case liftMaintenance

    /// The reasons the watchdog gives the engine start so, and it lifts only a maintenance whose reason does.
    static let reasonPrefix = "watchdog:"

    /// The component the action is recorded under, and counted against for the recovery-loop guard.
    var component: String {
        switch self {
        case .probeBreaker(let component, _, _, _): component
        case .catchUpMarketData: "market_data"
        case .enterMaintenance, .liftMaintenance: "trading"
        }
    }

    var name: String {
        switch self {
        case .probeBreaker: "probe_breaker"
        case .catchUpMarketData: "backfill"
        case .enterMaintenance: "maintenance_on"
        case .liftMaintenance: "maintenance_off"
        }
    }

    var symptom: String {
        switch self {
        case .probeBreaker(_, _, _, let symptom): symptom
        case .catchUpMarketData(let symptom): symptom
        case .enterMaintenance(let cause, let symptom): "\(cause): \(symptom)"
        case .liftMaintenance: "every dependency of trading works again"
        }
    }

    /// What to do now, from the components as the last check found them and trading's state.
    static func plan(_ components: [WatchdogComponent], health: SystemHealth, maintenanceAfter: TimeInterval, now: Date) -> [WatchdogAction] {
        let trading = health.trading
        let engineReachable = health.services.first { $0.service == "engine" }?.reachable ?? false
        var actions: [WatchdogAction] = components.compactMap { component in
            guard component.kind == .breaker, component.acting, component.symptom == "half open", let service = component.service,
                let breaker = component.breaker
            else { return nil }
            return .probeBreaker(
                component: component.name, service: service, breaker: breaker, symptom: "open; its cool-down is over")
        }
        // Stale while the collector is up, its breakers closed and its provider still producing: a gap to fetch, not an
        // outage to wait out (a replay that has run out is `finished` and left alone).
        let byName = Dictionary(components.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        if let marketData = byName["market_data"], marketData.state == .failing, marketData.acting, byName["marketdata"]?.state == .ok,
            !components.contains(where: { $0.kind == .breaker && $0.service == "marketdata" && $0.state == .failing }),
            ["running", "starting"].contains(health.marketData.providerStatus ?? "")
        {
            actions.append(.catchUpMarketData(symptom: marketData.symptom ?? "stale"))
        }
        guard engineReachable else { return actions }
        let failing = components.filter { tradingNeeds($0) && $0.state == .failing }
        if let long = failing.first(where: { $0.failingSince.map { now.timeIntervalSince($0) >= maintenanceAfter } ?? false }) {
            if trading.state == "active" {
                let minutes = Int(now.timeIntervalSince(long.failingSince ?? now) / 60)
                actions.append(.enterMaintenance(cause: long.name, symptom: "\(long.symptom ?? "failing") for \(minutes) min"))
            }
        } else if failing.isEmpty, isWatchdogMaintenance(trading) {
            actions.append(.liftMaintenance)
        }
        return actions
    }

    /// What trading needs besides the engine itself: fresh candles, and in live mode the exchange.
    static func tradingNeeds(_ component: WatchdogComponent) -> Bool {
        component.name == "marketdata" || component.name == "market_data" || (component.kind == .breaker && component.service == "engine")
    }

    static func isWatchdogMaintenance(_ trading: SystemHealth.TradingCheck) -> Bool {
        trading.maintenance && (trading.reason ?? "").hasPrefix("maintenance: " + reasonPrefix)
    }
}
