import Foundation
import KeelsonDomain
import KeelsonStrategies
import Logging
import PostgresNIO

/// Persists signals; unique per strategy instance, symbol, interval and bar, so evaluating a bar twice
/// (a duplicate push, two replicas) stores one signal.
public protocol SignalStore: Sendable {
    /// Stores the signals that are new and returns only those.
    func insertNew(_ signals: [(strategy: String, signal: StrategySignal)]) async throws -> [StoredSignal]
    func list(symbol: Symbol?, strategy: String?, since: Date?, limit: Int) async throws -> [StoredSignal]
    /// Per strategy instance: how many signals it has stored and when the newest was made.
    func summary() async throws -> [String: (count: Int, lastBarTime: Date?)]
}

public struct PostgresSignalStore: SignalStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func insertNew(_ signals: [(strategy: String, signal: StrategySignal)]) async throws -> [StoredSignal] {
        guard !signals.isEmpty else { return [] }
        return try await client.transaction(logger: logger) { connection in
            var stored: [StoredSignal] = []
            for (strategy, signal) in signals {
                let rows = try await connection.query(
                    """
                    INSERT INTO signals (strategy, symbol, "interval", bar_time, side, strength, price, reason)
                    VALUES (\(strategy), \(signal.symbol.rawValue), \(signal.interval.rawValue), \(signal.barTime),
                            \(signal.side.rawValue), \(signal.strength), \(signal.price), \(signal.reason))
                    ON CONFLICT (strategy, symbol, "interval", bar_time) DO NOTHING
                    RETURNING id, created_at
                    """,
                    logger: logger
                )
                for try await (id, createdAt) in rows.decode((Int64, Date).self) {
                    stored.append(StoredSignal(id: id, strategy: strategy, signal: signal, createdAt: createdAt))
                }
            }
            return stored
        }
    }

    public func list(symbol: Symbol?, strategy: String?, since: Date?, limit: Int) async throws -> [StoredSignal] {
        return try await client.read(
            """
            SELECT id, strategy, symbol, "interval", bar_time, side, strength, price, reason, created_at FROM signals
            WHERE (\(symbol?.rawValue)::text IS NULL OR symbol = \(symbol?.rawValue))
              AND (\(strategy)::text IS NULL OR strategy = \(strategy))
              AND (\(since)::timestamptz IS NULL OR bar_time >= \(since))
            ORDER BY bar_time DESC, id DESC LIMIT \(limit)
            """,
            logger: logger
        ) { rows in
            var result: [StoredSignal] = []
            for try await (id, strategy, symbol, interval, barTime, side, strength, price, reason, createdAt)
                in rows.decode((Int64, String, String, String, Date, String, Double, Decimal, String, Date).self)
            {
                guard let symbol = Symbol(rawValue: symbol), let interval = CandleInterval(rawValue: interval), let side = TradeSide(rawValue: side)
                else { continue }
                let signal = StrategySignal(
                    symbol: symbol, interval: interval, side: side, strength: strength, barTime: barTime, price: price, reason: reason)
                result.append(StoredSignal(id: id, strategy: strategy, signal: signal, createdAt: createdAt))
            }
            return result
        }
    }

    public func summary() async throws -> [String: (count: Int, lastBarTime: Date?)] {
        return try await client.read("SELECT strategy, count(*)::bigint, max(bar_time) FROM signals GROUP BY strategy", logger: logger) { rows in
            var result: [String: (count: Int, lastBarTime: Date?)] = [:]
            for try await (strategy, count, last) in rows.decode((String, Int64, Date?).self) {
                result[strategy] = (Int(count), last)
            }
            return result
        }
    }
}
