import Foundation

/// How long each table that grows by itself keeps its rows. What audits need is never deleted: trades, orders,
/// fills, positions, sessions and the audit log are not in the policy and cannot be put in it.
///
/// Written `signals=90d,account_balances=30d,risk_events=365d,order_events=keep` (`KEELSON_RETENTION`, or
/// `keelson db maintenance --retention`); a table not named keeps its default.
public struct RetentionPolicy: Sendable, Equatable, CustomStringConvertible {
    public enum Table: String, Sendable, CaseIterable, Comparable {
        /// Signals no order was placed for, with the engine's decision on each.
        case signals
        /// Equity snapshots: older ones are compacted to the last of each session's UTC day.
        case accountBalances = "account_balances"
        case riskEvents = "risk_events"
        case orderEvents = "order_events"
        /// The watchdog's and the supervisor's recoveries.
        case watchdogEvents = "watchdog_events"

        public static func < (lhs: Table, rhs: Table) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Days kept per table; nil keeps everything.
    public var days: [Table: Int]

    public static let defaults = RetentionPolicy(days: [.signals: 90, .accountBalances: 30, .riskEvents: 365, .orderEvents: nil, .watchdogEvents: 180])

    public init(days: [Table: Int?]) {
        self.days = days.compactMapValues { $0 }
    }

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The defaults with `text`'s entries over them.
    public static func parse(_ text: String) throws(Invalid) -> RetentionPolicy {
        var policy = defaults
        let kept = ["trades", "orders", "fills", "positions", "trading_sessions", "audit_log"]
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw Invalid(description: "'\(entry)' is not TABLE=DAYSd or TABLE=keep, e.g. signals=90d") }
            guard let table = Table(rawValue: parts[0]) else {
                if kept.contains(parts[0]) { throw Invalid(description: "\(parts[0]) is kept for audits and is never deleted; remove it") }
                throw Invalid(
                    description: "'\(parts[0])' has no retention; expected one of \(Table.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if parts[1] == "keep" {
                policy.days[table] = nil
                continue
            }
            guard parts[1].hasSuffix("d"), let days = Int(parts[1].dropLast()), days >= 1 else {
                throw Invalid(description: "\(table.rawValue)=\(parts[1]): expected a whole number of days of at least 1 (e.g. 90d) or keep")
            }
            policy.days[table] = days
        }
        return policy
    }

    public var description: String {
        Table.allCases.map { "\($0.rawValue)=\(days[$0].map { "\($0)d" } ?? "keep")" }.joined(separator: ",")
    }
}
