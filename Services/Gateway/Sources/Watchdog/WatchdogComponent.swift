import Foundation

/// One thing the watchdog looks after, as its last check found it.
struct WatchdogComponent: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable { case database, service, marketData = "market_data", breaker, leader, backups }
    enum State: String, Codable, Sendable { case ok, failing, unknown }

    var name: String
    var kind: Kind
    /// What it needs working to work itself; a failing dependency explains a failing component.
    var dependsOn: [String]
    var state: State
    var symptom: String?
    /// When the current failure began, as the watchdog saw it (since its own start at the earliest).
    var failingSince: Date?
    /// For a breaker: the service that owns it and the breaker's own name.
    var service: String?
    var breaker: String?
    /// False once a recovery loop was found: the watchdog no longer acts on it and `KeelsonWatchdogRecoveryLoop` fires.
    var acting = true

    enum CodingKeys: String, CodingKey {
        case name, kind, state, symptom, service, breaker, acting
        case dependsOn = "depends_on"
        case failingSince = "failing_since"
    }

    static func breakerName(service: String, breaker: String) -> String { "breaker:\(service):\(breaker)" }
}

extension WatchdogComponent {
    /// Every component, from one look at the system.
    static func assess(_ health: SystemHealth, backupMaxAge: TimeInterval) -> [WatchdogComponent] {
        var components: [WatchdogComponent] = []
        func add(_ name: String, _ kind: Kind, dependsOn: [String], failing symptom: String?, unknown: Bool = false) {
            components.append(
                WatchdogComponent(
                    name: name, kind: kind, dependsOn: dependsOn, state: unknown ? .unknown : symptom == nil ? .ok : .failing,
                    symptom: unknown ? nil : symptom))
        }
        let database = health.database
        add("postgres", .database, dependsOn: [], failing: database.reachable ? nil : "unreachable: \(database.reason ?? "no answer")")
        let dependencies = ["marketdata": ["postgres"], "signals": ["postgres", "marketdata"], "engine": ["postgres", "marketdata", "signals"]]
        for check in health.services {
            let symptom =
                !check.reachable
                ? "unreachable: \(check.reason ?? "no answer")" : check.ready ? nil : "not ready: \(check.reason ?? "no reason given")"
            add(check.service, .service, dependsOn: dependencies[check.service] ?? ["postgres"], failing: symptom)
        }
        let marketdataReachable = health.services.first { $0.service == "marketdata" }?.reachable ?? false
        let age = health.marketData.ageSeconds.map { "nothing stored for \(Int($0)) s" } ?? "nothing stored yet"
        add(
            "market_data", .marketData,
            dependsOn: ["marketdata"]
                + health.circuitBreakers.filter { $0.service == "marketdata" }.map {
                    breakerName(service: $0.service, breaker: $0.name)
                },
            failing: health.marketData.stale ? "stale: \(age)" : nil, unknown: !marketdataReachable)
        for breaker in health.circuitBreakers {
            components.append(
                WatchdogComponent(
                    name: breakerName(service: breaker.service, breaker: breaker.name), kind: .breaker, dependsOn: [breaker.service],
                    state: breaker.state == "closed" ? .ok : .failing,
                    symptom: breaker.state == "closed" ? nil : breaker.state.replacingOccurrences(of: "_", with: " "),
                    service: breaker.service, breaker: breaker.name))
        }
        let engine = health.services.first { $0.service == "engine" }
        add(
            "leader", .leader, dependsOn: ["engine", "postgres"],
            failing: engine?.role == "leader" ? nil : "the engine reached is \(engine?.role ?? "of unknown role"), not the leader",
            unknown: engine?.reachable != true)
        let backupSymptom: String? =
            if let last = database.lastBackupAt {
                health.checkedAt.timeIntervalSince(last) > backupMaxAge
                    ? "the newest backup is \(Int(health.checkedAt.timeIntervalSince(last) / 3_600)) h old" : nil
            } else { "no backup recorded" }
        add("backups", .backups, dependsOn: ["postgres"], failing: backupSymptom, unknown: !database.reachable)
        return components
    }
}
