import Foundation
import KeelsonDomain

/// Seeded synthetic market data for any symbol and interval: the same seed always gives the same candles.
/// Live, it emits each bar when its interval has passed on the wall clock.
public struct SyntheticProvider: MarketDataProvider {
    public let name = "synthetic"
    public let isContinuous = true
    public let exchange: String
    let bars: SyntheticBars

    public init(seed: UInt64, exchange: String = "synthetic") {
        self.bars = SyntheticBars(seed: seed)
        self.exchange = exchange
    }

    public func candles(symbol: Symbol, interval: CandleInterval, from: Date, to: Date) async throws -> [Candle] {
        let size = TimeInterval(interval.seconds)
        let start = (from.timeIntervalSince1970 / size).rounded(.up) * size
        let end = (to.timeIntervalSince1970 / size).rounded(.down) * size
        guard end > start else { return [] }
        let minutes = bars.minuteBars(
            symbol: symbol, exchange: exchange, from: Date(timeIntervalSince1970: start), to: Date(timeIntervalSince1970: end))
        return CandleAggregation.aggregate(minutes, to: interval)
    }

    public func liveCandles(symbol: Symbol, interval: CandleInterval, after: Date?) -> AsyncThrowingStream<Candle, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                let size = TimeInterval(interval.seconds)
                var next =
                    after.map { $0.addingTimeInterval(size) }
                    ?? Date(timeIntervalSince1970: (Date.now.timeIntervalSince1970 / size).rounded(.down) * size)
                while !Task.isCancelled {
                    let closesAt = next.addingTimeInterval(size)
                    let wait = closesAt.timeIntervalSinceNow
                    if wait > 0 { try await Task.sleep(for: .milliseconds(Int64(wait * 1000) + 5)) }
                    for candle in try await candles(symbol: symbol, interval: interval, from: next, to: closesAt) {
                        continuation.yield(candle)
                    }
                    next = closesAt
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
