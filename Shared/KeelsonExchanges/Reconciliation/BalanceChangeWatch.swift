import Foundation

/// Tells when an asset's balance moved by more than a threshold between two comparisons beyond what Keelson's own
/// trades explain. Keelson's trades move the account and the books together, so what moved is the surplus —
/// the account's total minus what the books need — and a move of it larger than `threshold` × the asset's total at
/// the previous comparison is a difference: a deposit, a withdrawal, a trade or a fee outside Keelson.
public struct BalanceChangeWatch: Sendable {
    /// A fraction: 0.05 tells moves above 5 % of the asset's previous total.
    public let threshold: Decimal
    private var previous: [String: (total: Decimal, surplus: Decimal)] = [:]

    public init(threshold: Decimal) {
        self.threshold = threshold
    }

    /// The moves since the last call, one difference per asset the books count; remembers this comparison.
    public mutating func changes(in balances: [AccountComparison.Balance]) -> [AccountDifference] {
        var differences: [AccountDifference] = []
        for balance in balances {
            guard let books = balance.books else { continue }
            let surplus = balance.total - books
            defer { previous[balance.asset] = (balance.total, surplus) }
            guard let before = previous[balance.asset] else { continue }
            let moved = surplus - before.surplus
            guard moved != 0, abs(moved) > threshold * before.total else { continue }
            let share = before.total > 0 ? " (\(Self.percent(abs(moved) / before.total)) of the \(before.total) held before)" : ""
            differences.append(
                AccountDifference(
                    kind: .balanceChange, subject: "\(balance.asset) \(moved > 0 ? "+" : "")\(moved)",
                    detail:
                        "the account's \(balance.asset) \(moved > 0 ? "grew" : "fell") by \(abs(moved))\(share) beyond what Keelson's trades explain "
                        + "since the last comparison; it holds \(balance.total) \(balance.asset), the books need \(books)"
                ))
        }
        return differences
    }

    static func percent(_ fraction: Decimal) -> String {
        var value = fraction * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 2, .plain)
        return "\(rounded) %"
    }
}
