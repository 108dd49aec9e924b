import Foundation
import KeelsonDomain
import KeelsonMarketData
import KeelsonPersistence
import KeelsonServiceKit
import Logging

/// Collects closed candles for every configured symbol: on start it fills what is missing since the last stored
/// candle (and any hole a continuous market left), then follows the live stream. Every batch is committed to the
/// store before it is cached and pushed, so receivers can always catch up from it.
///
/// Failover: while the primary's circuit breaker is open, a configured backup collects the same symbols,
/// its candles stored under its own exchange name. Once the primary may be called again (half open, or reset by
/// an operator) the collector goes back to it; the primary's backfill from its own newest candle is the trial
/// call, and fills what it missed.
struct Collector: Sendable {
    let configuration: CollectorConfiguration
    let primary: CollectorSource
    let backup: CollectorSource?
    let store: any CandleStore
    let cache: CandleCache
    let publisher: CandlePublisher
    let metrics: MarketDataMetrics?
    let logger: Logger
    /// How far back a start-up looks for holes to fill.
    var gapLookback: TimeInterval = 7 * 86_400
    /// Candles asked of the provider and written at once during a backfill: large enough for COPY to pay off,
    /// small enough to keep the collector's memory flat (≈ 10 MB a chunk).
    var backfillChunkCandles = 50_000

    var sources: [CollectorSource] { [primary] + (backup.map { [$0] } ?? []) }

    /// Collects every symbol until the provider has no more candles (replay) or the task is cancelled.
    func collectAll() async {
        await withTaskGroup(of: Void.self) { group in
            for symbol in configuration.symbols {
                group.addTask { await collectWithFailover(symbol) }
            }
            let exchangeBreakers = sources.compactMap(\.source.exchangeBreaker)
            if !exchangeBreakers.isEmpty {
                group.addTask { await exportStates(of: exchangeBreakers) }
            }
        }
    }

    private enum RunEnd { case finished, switchSource }

    private func collectWithFailover(_ symbol: Symbol) async {
        var failures = 0
        var current: ProviderStatus.Role?
        while !Task.isCancelled {
            guard let source = await callableSource() else {
                // Short naps, so an operator's reset takes effect promptly.
                try? await Task.sleep(for: configuration.breakerCheckInterval)
                continue
            }
            if source.role != current {
                await use(source, for: symbol, after: current)
                current = source.role
            }
            do {
                switch try await run(symbol, from: source) {
                case .finished:
                    await source.status.finished(symbol)
                    logger.info("provider has no more candles", metadata: ["symbol": "\(symbol)", "provider": "\(source.provider.name)"])
                    return
                case .switchSource:
                    failures = 0
                }
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                await source.status.failed(error)
                if source.ownsBreaker { await source.breaker.recordFailure() }
                metrics?.providerError(provider: source.provider.name)
                if source.role == .primary, backup != nil, await primary.breaker.waitBeforeCalling() != nil {
                    logger.warning("primary provider failed and its breaker is open", metadata: ["symbol": "\(symbol)", "error": "\(error)"])
                    continue
                }
                let delay = min(Duration.seconds(1) * (1 << min(failures, 5)), .seconds(30))
                logger.warning(
                    "collection failed; retrying",
                    metadata: ["symbol": "\(symbol)", "provider": "\(source.provider.name)", "error": "\(error)", "retry_in": "\(delay)"])
                try? await Task.sleep(for: delay)
            }
        }
    }

    /// The primary while its breaker lets calls through, else the backup while its own does.
    private func callableSource() async -> CollectorSource? {
        if await primary.breaker.waitBeforeCalling() == nil { return primary }
        if let backup, await backup.breaker.waitBeforeCalling() == nil { return backup }
        return nil
    }

    private func use(_ source: CollectorSource, for symbol: Symbol, after previous: ProviderStatus.Role?) async {
        for other in sources where other.role != source.role { await other.status.deactivate(symbol) }
        await source.status.activate(symbol)
        metrics?.failover(symbol: symbol.rawValue, active: source.role == .backup)
        if previous != nil {
            logger.warning(
                source.role == .backup
                    ? "primary provider's breaker is open; collecting from the backup" : "primary provider may be called again; collecting from it",
                metadata: ["symbol": "\(symbol)", "provider": "\(source.provider.name)", "exchange": "\(source.exchange)"]
            )
        }
    }

    /// Collects from `source` until it has no more candles, or — with a backup configured — until it should
    /// give way to the other provider.
    private func run(_ symbol: Symbol, from source: CollectorSource) async throws -> RunEnd {
        guard backup != nil else {
            try await collect(symbol, from: source)
            return .finished
        }
        return try await withThrowingTaskGroup(of: RunEnd.self) { group in
            group.addTask {
                try await collect(symbol, from: source)
                return .finished
            }
            group.addTask {
                try await untilSwitchIsDue(from: source)
                return .switchSource
            }
            defer { group.cancelAll() }
            return try await group.next() ?? .switchSource
        }
    }

    /// Returns once `source` should give way: the primary when its breaker opens, the backup when the primary
    /// may be called again.
    private func untilSwitchIsDue(from source: CollectorSource) async throws {
        while true {
            let primaryOpen = await primary.breaker.waitBeforeCalling() != nil
            if primaryOpen == (source.role == .primary) { return }
            try await Task.sleep(for: configuration.breakerCheckInterval)
        }
    }

    func collect(_ symbol: Symbol, from source: CollectorSource) async throws {
        if source.provider.isContinuous {
            try await backfill(symbol, from: source, until: configuration.now())
            if source.role == .primary { try await fillGaps(symbol, from: source) }
        }
        let last = try await resumePoint(symbol, for: source)
        var buffer: [Candle] = []
        for try await candle in source.provider.liveCandles(symbol: symbol, interval: configuration.interval, after: last) {
            buffer.append(candle)
            if buffer.count >= configuration.batchSize {
                try await ingest(buffer, from: source)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try await ingest(buffer, from: source)
    }

    /// Where `source` takes up the series: after the primary's newest stored candle — for the backup, after the
    /// newest of either, since it only covers what the primary misses.
    func resumePoint(_ symbol: Symbol, for source: CollectorSource) async throws -> Date? {
        let primaryNewest = try await store.latestOpenTime(
            exchange: primary.exchange, symbol: symbol, interval: configuration.interval, before: .distantFuture)
        guard source.role == .backup else { return primaryNewest }
        let backupNewest = try await store.latestOpenTime(
            exchange: source.exchange, symbol: symbol, interval: configuration.interval, before: .distantFuture)
        return [primaryNewest, backupNewest].compactMap { $0 }.max()
    }

    /// Fetches everything between the resume point (or the backfill window) and `until`.
    func backfill(_ symbol: Symbol, from source: CollectorSource, until end: Date) async throws {
        let interval = configuration.interval
        let last = try await resumePoint(symbol, for: source)
        var from = last.map { $0.addingTimeInterval(TimeInterval(interval.seconds)) } ?? end.addingTimeInterval(-configuration.backfillWindow)
        while from < end {
            let to = min(from.addingTimeInterval(TimeInterval(interval.seconds) * Double(backfillChunkCandles)), end)
            try await ingest(try await source.provider.candles(symbol: symbol, interval: interval, from: from, to: to), from: source)
            from = to
        }
    }

    /// What `catchUp` found and left.
    struct CatchUp: Codable, Sendable {
        /// False for a replayed file: its holes are how the market traded, nothing to fetch.
        var continuous: Bool
        var symbols: Int
        var gapsBefore: Int
        var gapsAfter: Int

        enum CodingKeys: String, CodingKey {
            case continuous, symbols
            case gapsBefore = "gaps_before"
            case gapsAfter = "gaps_after"
        }
    }

    /// For the watchdog, when stored data has gone stale while the provider answers: fetch from the primary what
    /// follows each symbol's newest candle, then fill the holes of the recent series, and count the holes before and after.
    func catchUp() async throws -> CatchUp {
        let interval = configuration.interval
        guard primary.provider.isContinuous else {
            return CatchUp(continuous: false, symbols: configuration.symbols.count, gapsBefore: 0, gapsAfter: 0)
        }
        func gaps(_ symbol: Symbol) async throws -> Int {
            try await store.gaps(
                exchange: primary.exchange, symbol: symbol, interval: interval, since: configuration.now().addingTimeInterval(-gapLookback)
            ).count
        }
        var before = 0, after = 0
        for symbol in configuration.symbols {
            before += try await gaps(symbol)
            try await backfill(symbol, from: primary, until: configuration.now())
            try await fillGaps(symbol, from: primary)
            after += try await gaps(symbol)
        }
        return CatchUp(continuous: true, symbols: configuration.symbols.count, gapsBefore: before, gapsAfter: after)
    }

    /// Asks the provider for every hole in the recent stored series; what it cannot supply is reported.
    func fillGaps(_ symbol: Symbol, from source: CollectorSource) async throws {
        let interval = configuration.interval
        let gaps = try await store.gaps(
            exchange: source.exchange, symbol: symbol, interval: interval, since: configuration.now().addingTimeInterval(-gapLookback))
        var unfilled: [ProviderStatus.Gap] = []
        for gap in gaps {
            let candles = try await source.provider.candles(symbol: symbol, interval: interval, from: gap.from, to: gap.to)
            try await ingest(candles, from: source)
            let expected = Int(gap.to.timeIntervalSince(gap.from)) / Int(interval.seconds)
            if candles.count < expected {
                unfilled.append(ProviderStatus.Gap(symbol: symbol.rawValue, from: gap.from, to: gap.to))
                logger.warning(
                    "gap the provider cannot fill",
                    metadata: ["symbol": "\(symbol)", "from": "\(gap.from)", "to": "\(gap.to)", "missing": "\(expected - candles.count)"])
            }
        }
        if !unfilled.isEmpty { await source.status.unfilled(unfilled) }
        if !gaps.isEmpty { logger.info("filled gaps", metadata: ["symbol": "\(symbol)", "gaps": "\(gaps.count)", "unfilled": "\(unfilled.count)"]) }
    }

    func ingest(_ candles: [Candle], from source: CollectorSource) async throws {
        guard !candles.isEmpty else { return }
        try await store.upsert(candles)
        if source.ownsBreaker { await source.breaker.recordSuccess() }
        await cache.insert(candles)
        await source.status.stored(candles)
        await publisher.publish(candles)
        let now = configuration.now()
        for (symbol, group) in Dictionary(grouping: candles, by: \.symbol) {
            metrics?.ingested(symbol: symbol.rawValue, count: group.count)
            if let newest = group.map(\.closeTime).max() {
                metrics?.dataAge(symbol: symbol.rawValue, seconds: now.timeIntervalSince(newest))
            }
            metrics?.stored(symbol: symbol.rawValue, at: .now)
        }
    }

    /// Mirrors the exchanges' breakers into `keelson_circuit_breaker_open` (their clients export
    /// `keelson_exchange_circuit_open` themselves), so the circuit-breaker alert and dashboard see them too.
    private func exportStates(of breakers: [CircuitBreaker]) async {
        while !Task.isCancelled {
            for breaker in breakers {
                metrics?.circuitBreaker(breaker.name, open: await breaker.state() != .closed)
            }
            try? await Task.sleep(for: configuration.breakerCheckInterval)
        }
    }
}
