import Foundation
import KeelsonDomain
import KeelsonMarketData
import KeelsonPersistence
import Logging

/// Collects closed candles from the provider for every configured symbol: on start it fills what is missing
/// since the last stored candle (and any hole a continuous market left), then follows the live stream. Every
/// batch is committed to the store before it is cached and pushed, so receivers can always catch up from it.
struct Collector: Sendable {
    let configuration: CollectorConfiguration
    let store: any CandleStore
    let cache: CandleCache
    let publisher: CandlePublisher
    let status: ProviderStatus
    let metrics: MarketDataMetrics?
    let logger: Logger
    /// How far back a start-up looks for holes to fill.
    var gapLookback: TimeInterval = 7 * 86_400
    /// Candles asked of the provider and written at once during a backfill: large enough for COPY to pay off,
    /// small enough to keep the collector's memory flat (≈ 10 MB a chunk).
    var backfillChunkCandles = 50_000

    /// Collects every symbol until the provider has no more candles (replay) or the task is cancelled.
    func collectAll() async {
        await withTaskGroup(of: Void.self) { group in
            for symbol in configuration.symbols {
                group.addTask { await collectWithRetry(symbol) }
            }
        }
    }

    private func collectWithRetry(_ symbol: Symbol) async {
        var failures = 0
        while !Task.isCancelled {
            if let wait = await status.breaker.waitBeforeCalling() {
                // Short naps, so an operator's reset takes effect within a second.
                try? await Task.sleep(for: .seconds(min(wait, 1)))
                continue
            }
            do {
                try await collect(symbol)
                await status.finished(symbol)
                logger.info("provider has no more candles", metadata: ["symbol": "\(symbol)", "provider": "\(configuration.provider.name)"])
                return
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                await status.failed(error)
                await status.breaker.recordFailure()
                metrics?.providerError(provider: configuration.provider.name)
                let delay = min(Duration.seconds(1) * (1 << min(failures, 5)), .seconds(30))
                logger.warning("collection failed; retrying", metadata: ["symbol": "\(symbol)", "error": "\(error)", "retry_in": "\(delay)"])
                try? await Task.sleep(for: delay)
            }
        }
    }

    func collect(_ symbol: Symbol) async throws {
        let provider = configuration.provider
        let interval = configuration.interval
        if provider.isContinuous {
            try await backfill(symbol, until: .now)
            try await fillGaps(symbol)
        }
        let last = try await store.latestOpenTime(exchange: configuration.exchange, symbol: symbol, interval: interval, before: .distantFuture)
        var buffer: [Candle] = []
        for try await candle in provider.liveCandles(symbol: symbol, interval: interval, after: last) {
            buffer.append(candle)
            if buffer.count >= configuration.batchSize {
                try await ingest(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try await ingest(buffer)
    }

    /// Fetches everything between the newest stored candle (or the backfill window) and `until`.
    func backfill(_ symbol: Symbol, until end: Date) async throws {
        let interval = configuration.interval
        let last = try await store.latestOpenTime(exchange: configuration.exchange, symbol: symbol, interval: interval, before: .distantFuture)
        var from = last.map { $0.addingTimeInterval(TimeInterval(interval.seconds)) } ?? end.addingTimeInterval(-configuration.backfillWindow)
        while from < end {
            let to = min(from.addingTimeInterval(TimeInterval(interval.seconds) * Double(backfillChunkCandles)), end)
            try await ingest(try await configuration.provider.candles(symbol: symbol, interval: interval, from: from, to: to))
            from = to
        }
    }

    /// Asks the provider for every hole in the recent stored series; what it cannot supply is reported.
    func fillGaps(_ symbol: Symbol) async throws {
        let interval = configuration.interval
        let gaps = try await store.gaps(exchange: configuration.exchange, symbol: symbol, interval: interval, since: Date.now.addingTimeInterval(-gapLookback))
        var unfilled: [ProviderStatus.Gap] = []
        for gap in gaps {
            let candles = try await configuration.provider.candles(symbol: symbol, interval: interval, from: gap.from, to: gap.to)
            try await ingest(candles)
            let expected = Int(gap.to.timeIntervalSince(gap.from)) / Int(interval.seconds)
            if candles.count < expected {
                unfilled.append(ProviderStatus.Gap(symbol: symbol.rawValue, from: gap.from, to: gap.to))
                logger.warning("gap the provider cannot fill", metadata: ["symbol": "\(symbol)", "from": "\(gap.from)", "to": "\(gap.to)", "missing": "\(expected - candles.count)"])
            }
        }
        if !unfilled.isEmpty { await status.unfilled(unfilled) }
        if !gaps.isEmpty { logger.info("filled gaps", metadata: ["symbol": "\(symbol)", "gaps": "\(gaps.count)", "unfilled": "\(unfilled.count)"]) }
    }

    func ingest(_ candles: [Candle]) async throws {
        guard !candles.isEmpty else { return }
        try await store.upsert(candles)
        await status.breaker.recordSuccess()
        await cache.insert(candles)
        await status.stored(candles)
        await publisher.publish(candles)
        for (symbol, group) in Dictionary(grouping: candles, by: \.symbol) {
            metrics?.ingested(symbol: symbol.rawValue, count: group.count)
            if let newest = group.map(\.closeTime).max() {
                metrics?.dataAge(symbol: symbol.rawValue, seconds: Date.now.timeIntervalSince(newest))
            }
            metrics?.stored(symbol: symbol.rawValue, at: .now)
        }
    }
}
