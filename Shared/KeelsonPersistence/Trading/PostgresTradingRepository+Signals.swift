import Foundation
import KeelsonDomain
import KeelsonStrategies
import KeelsonTrading
import Logging
import PostgresNIO

extension PostgresTradingRepository {
    // MARK: Signals

    static let signalColumns = "s.id, s.strategy, s.symbol, s.\"interval\", s.bar_time, s.side, s.strength, s.price, s.reason, s.created_at"

    public func undecidedSignals(since: Date, limit: Int) async throws -> [StoredSignal] {
        var query = PostgresQuery(
            unsafeSQL: """
                SELECT \(Self.signalColumns) FROM signals s
                WHERE s.created_at >= $1 AND NOT EXISTS (SELECT 1 FROM engine_signal_log l WHERE l.signal_id = s.id)
                ORDER BY s.id LIMIT $2
                """)
        query.binds.append(since)
        query.binds.append(limit)
        return try await client.read(query, logger: logger) { try await Self.decodeSignals($0) }
    }

    public func signals(ids: [Int64]) async throws -> [StoredSignal] {
        guard !ids.isEmpty else { return [] }
        var bindings = PostgresBindings()
        bindings.append(ids)
        var result: [StoredSignal] = []
        for try await row in try await client.execute(TradingStatement<SignalsByID>(bindings: bindings), logger: logger) {
            if let signal = try Self.decodeSignal(row) { result.append(signal) }
        }
        return result
    }

    public func latestAllocation() async throws -> [String: Decimal]? {
        let query: PostgresQuery = """
            SELECT instance, amount FROM capital_allocations WHERE computed_at = (SELECT max(computed_at) FROM capital_allocations)
            """
        return try await client.read(query, logger: logger) { rows in
            var amounts: [String: Decimal] = [:]
            for try await (instance, amount) in rows.decode((String, Decimal).self) { amounts[instance] = amount }
            return amounts.isEmpty ? nil : amounts
        }
    }

    public func exposure(of instance: String, sessionID: Int64) async throws -> Decimal {
        let query: PostgresQuery = """
            SELECT coalesce((SELECT sum(p.quantity * p.average_entry_price) FROM positions p JOIN orders o ON o.id = p.entry_order_id
                             WHERE p.session_id = \(sessionID) AND o.strategy = \(instance) AND p.quantity > 0), 0)
                 + coalesce((SELECT sum((o.quantity - o.filled_quantity) * coalesce(o.limit_price, s.price)) FROM orders o
                             JOIN signals s ON s.id = o.signal_id
                             WHERE o.session_id = \(sessionID) AND o.strategy = \(instance) AND o.side = 'buy'
                               AND o.status IN ('new', 'submitted', 'partially_filled')), 0)
            """
        return try await client.read(query, logger: logger) { rows in
            for try await used in rows.decode(Decimal.self) { return used }
            return 0
        }
    }

    static func decodeSignals(_ rows: PostgresRowSequence) async throws -> [StoredSignal] {
        var result: [StoredSignal] = []
        for try await row in rows {
            if let signal = try decodeSignal(row) { result.append(signal) }
        }
        return result
    }

    /// One row of `signalColumns`; nil for a row this binary cannot read (an unknown symbol, interval or side).
    static func decodeSignal(_ row: PostgresRow) throws -> StoredSignal? {
        let (id, strategy, symbol, interval, barTime, side, strength, price, reason, createdAt) = try row.decode(
            (Int64, String, String, String, Date, String, Double, Decimal, String, Date).self)
        guard let symbol = Symbol(rawValue: symbol), let interval = CandleInterval(rawValue: interval), let side = TradeSide(rawValue: side) else {
            return nil
        }
        let signal = StrategySignal(
            symbol: symbol, interval: interval, side: side, strength: strength, barTime: barTime, price: price, reason: reason)
        return StoredSignal(id: id, strategy: strategy, signal: signal, createdAt: createdAt)
    }
}
