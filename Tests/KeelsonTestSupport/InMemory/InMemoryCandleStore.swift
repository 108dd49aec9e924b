import Foundation
import KeelsonDomain
import KeelsonPersistence

/// Candles in memory with `PostgresCandleStore`'s rules (one per exchange, symbol, interval and open time; a
/// corrected candle replaces the stored one), for tests that need no database.
public actor InMemoryCandleStore: CandleStore {
    private struct SeriesKey: Hashable {
        var exchange: String
        var symbol: Symbol
        var interval: CandleInterval
    }

    private var series: [SeriesKey: [Date: Candle]] = [:]
    private var stalled = false

    public init() {}

    /// Holds every read of candles until `resumeReads`: a store that stopped answering.
    public func stallReads() { stalled = true }

    public func resumeReads() { stalled = false }

    private func waitWhileStalled() async throws {
        while stalled { try await Task.sleep(for: .milliseconds(5)) }
    }

    @discardableResult
    public func upsert(_ candles: [Candle]) async throws -> Int {
        var changed = 0
        for candle in candles {
            let key = SeriesKey(exchange: candle.exchange, symbol: candle.symbol, interval: candle.interval)
            if series[key]?[candle.openTime] != candle {
                series[key, default: [:]][candle.openTime] = candle
                changed += 1
            }
        }
        return changed
    }

    public func candles(exchange: String, symbol: Symbol, interval: CandleInterval, before: Date?, limit: Int) async throws -> [Candle] {
        try await waitWhileStalled()
        return Array(sorted(exchange, symbol, interval).filter { before == nil || $0.openTime < before! }.suffix(limit))
    }

    public func latestOpenTime(exchange: String, symbol: Symbol, interval: CandleInterval, before: Date) async throws -> Date? {
        sorted(exchange, symbol, interval).last { $0.openTime < before }?.openTime
    }

    public func gaps(exchange: String, symbol: Symbol, interval: CandleInterval, since: Date) async throws -> [(from: Date, to: Date)] {
        let times = sorted(exchange, symbol, interval).map(\.openTime).filter { $0 >= since }
        let step = TimeInterval(interval.seconds)
        return zip(times, times.dropFirst()).compactMap { previous, next in
            next.timeIntervalSince(previous) > step ? (previous.addingTimeInterval(step), next) : nil
        }
    }

    public func candles(exchange: String, symbol: Symbol, interval: CandleInterval, after: Date, limit: Int) async throws -> [Candle] {
        try await waitWhileStalled()
        return Array(sorted(exchange, symbol, interval).filter { $0.openTime > after }.prefix(limit))
    }

    private func sorted(_ exchange: String, _ symbol: Symbol, _ interval: CandleInterval) -> [Candle] {
        (series[SeriesKey(exchange: exchange, symbol: symbol, interval: interval)] ?? [:]).values.sorted { $0.openTime < $1.openTime }
    }
}
