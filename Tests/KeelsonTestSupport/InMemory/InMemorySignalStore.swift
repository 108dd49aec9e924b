import Foundation
import KeelsonDomain
import KeelsonPersistence
import KeelsonStrategies

/// The `signals` table in memory: one signal per instance, symbol, interval and bar, ids in order, listed newest bar
/// first as PostgreSQL lists them.
public actor InMemorySignalStore: SignalStore {
    public private(set) var stored: [StoredSignal] = []

    public init() {}

    public func insertNew(_ signals: [(strategy: String, signal: StrategySignal)]) async throws -> [StoredSignal] {
        var new: [StoredSignal] = []
        for (strategy, signal) in signals {
            let exists = stored.contains { old in
                old.strategy == strategy && old.signal.symbol == signal.symbol && old.signal.interval == signal.interval
                    && old.signal.barTime == signal.barTime
            }
            guard !exists else { continue }
            let next = StoredSignal(id: Int64(stored.count + 1), strategy: strategy, signal: signal, createdAt: .now)
            stored.append(next)
            new.append(next)
        }
        return new
    }

    public func list(symbol: Symbol?, strategy: String?, since: Date?, limit: Int) async throws -> [StoredSignal] {
        let matching = stored.filter { row in
            (symbol.map { row.signal.symbol == $0 } ?? true) && (strategy.map { row.strategy == $0 } ?? true)
                && (since.map { row.signal.barTime >= $0 } ?? true)
        }
        return Array(matching.sorted { ($0.signal.barTime, $0.id) > ($1.signal.barTime, $1.id) }.prefix(limit))
    }

    public func summary() async throws -> [String: (count: Int, lastBarTime: Date?)] {
        Dictionary(grouping: stored, by: \.strategy).mapValues { rows in (rows.count, rows.map(\.signal.barTime).max()) }
    }
}
