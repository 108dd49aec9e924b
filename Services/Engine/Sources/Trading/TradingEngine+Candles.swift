import Foundation
import Hummingbird
import KeelsonDomain
import KeelsonTrading
import Logging

extension TradingEngine {
    public struct CandleResult: Sendable, Codable, Equatable, ResponseEncodable {
        public var accepted: Int
        public var fills: Int
        public var state: String
        /// From receiving the batch to the last fill it caused being committed (the fill half of signal-to-fill).
        public var fillLatencyMilliseconds: Double?

        enum CodingKeys: String, CodingKey {
            case accepted, fills, state
            case fillLatencyMilliseconds = "fill_latency_ms"
        }
    }

    /// - Parameter received: when the batch arrived (the route passes the start of the request), for the fill latency.
    func handle(candles: [Candle], received: ContinuousClock.Instant = .now) async throws -> CandleResult {
        try requireReady()
        return try await serially {
            lastFillCommittedAt = nil
            let (accepted, fills) = try await ingest(candles)
            let fillLatency = lastFillCommittedAt.map { ($0 - received).milliseconds }
            return CandleResult(accepted: accepted, fills: fills, state: (session?.state ?? .stopped).rawValue, fillLatencyMilliseconds: fillLatency)
        }
    }

    /// Fills, stops and marks for every bar newer than its symbol's last, in market order; then the limits, and the
    /// snapshot that records the newest bar processed per symbol (what a restart replays from).
    func ingest(_ candles: [Candle]) async throws -> (accepted: Int, fills: Int) {
        var accepted = 0
        var fills = 0
        var marketTime: Date?
        var processed: [Symbol: Date] = [:]
        for candle in candles.sorted(by: { ($0.openTime, $0.symbol.rawValue) < ($1.openTime, $1.symbol.rawValue) }) {
            guard settings.symbols.contains(candle.symbol), candle.interval == settings.timeframe, candle.exchange == settings.marketExchange,
                  var window = windows[candle.symbol]
            else { continue }
            // Older and repeated bars (at-least-once pushes) are skipped before they can touch the trading day.
            guard window.append(candle) else { continue }
            rollTradingDay(to: candle.openTime)
            windows[candle.symbol] = window
            accepted += 1
            fills += try await process(candle)
            marketTime = candle.closeTime
            processed[candle.symbol] = candle.openTime
        }
        if let marketTime { try await afterCandles(marketTime: marketTime, processed: processed) }
        return (accepted, fills)
    }

    func process(_ candle: Candle) async throws -> Int {
        var fills = 0
        for execution in await broker.executions(on: candle) {
            try await apply(execution)
            fills += 1
        }
        let symbol = candle.symbol
        guard let state = session?.state, state.allowsExits, var position = positions[symbol], position.quantity > 0, let stops = position.stops,
              !openOrders.values.contains(where: { $0.symbol == symbol && $0.side == .sell })
        else { return fills }
        if let trigger = stops.trigger(on: candle) {
            logger.info("exit triggered", metadata: ["symbol": "\(symbol)", "cause": "\(trigger.cause.rawValue)", "level": "\(trigger.level)", "bar": "\(candle.openTime.formatted(.iso8601))"])
            // Decided "after" the second before this bar: should the immediate fill be lost to a crash, the restored
            // order still fills on this bar, at the stop's price (`BrokerOrder.triggeredStopPrice`).
            return fills + (try await exit(symbol, cause: trigger.cause, expectedPrice: trigger.level, immediateFill: (trigger.price, candle), decidedAfterBar: candle.openTime.addingTimeInterval(-1)))
        }
        let advanced = stops.advanced(by: candle)
        if advanced != stops {
            position.stops = advanced
            positions[symbol] = position
            stopsMoved = true
        }
        return fills
    }

    // MARK: Limits, snapshots, the trading day

    static let dayFormat: Date.ISO8601FormatStyle = .iso8601.year().month().day()

    func rollTradingDay(to time: Date) {
        let day = time.formatted(Self.dayFormat)
        guard session?.tradingDay != day else { return }
        session?.tradingDay = day
        session?.dayStartEquity = equity()
    }

    func afterCandles(marketTime: Date, processed: [Symbol: Date]) async throws {
        guard var current = session else { return }
        let equity = equity()
        current.peakEquity = max(current.peakEquity, equity)
        session = current
        if current.state == .active,
           let breach = risk.limitBreach(equity: equity, dayStartEquity: current.dayStartEquity ?? current.initialBalance, peakEquity: current.peakEquity)
        {
            try await changeState(to: .halted, reason: breach.reason, kind: breach.kind.rawValue, resetReferences: false)
        }
        let changed = lastSnapshot.map { $0.equity != equity || marketTime.timeIntervalSince($0.time) >= 60 } ?? true
        let recordsBalance = changed || stopsMoved
        try await store.saveSnapshot(EquitySnapshot(
            account: account, equity: equity, unrealizedPnl: unrealizedPnl(), marketTime: marketTime, peakEquity: current.peakEquity,
            tradingDay: current.tradingDay, dayStartEquity: current.dayStartEquity, positions: Array(positions.values), marks: windows.compactMapValues(\.mark),
            processedBars: processed, recordsBalance: recordsBalance
        ), sessionID: current.id, fence: try requireFence())
        if recordsBalance {
            lastSnapshot = (marketTime, equity)
            stopsMoved = false
        }
        updatePortfolioMetrics()
    }

    func equity() -> Decimal {
        account.cash + positions.values.reduce(Decimal(0)) { $0 + $1.marketValue(at: windows[$1.symbol]?.mark ?? $1.averageEntryPrice) }
    }

    func unrealizedPnl() -> Decimal {
        positions.values.reduce(Decimal(0)) { $0 + $1.unrealizedPnl(at: windows[$1.symbol]?.mark ?? $1.averageEntryPrice) }
    }

    func changeState(to state: TradingState, reason: String, kind: String, resetReferences: Bool) async throws {
        guard let current = session else { return }
        let equity = equity()
        try await store.setState(state, reason: reason, kind: kind, sessionID: current.id, resetReferences: resetReferences ? equity : nil, fence: try requireFence())
        session?.state = state
        session?.stateReason = reason
        if resetReferences {
            session?.peakEquity = equity
            session?.dayStartEquity = equity
        }
        metrics.tradingState(state)
        logger.notice("trading state changed", metadata: ["state": "\(state.rawValue)", "kind": "\(kind)", "reason": "\(reason)"])
    }

    func updatePortfolioMetrics() {
        guard let session else { return }
        let equity = equity()
        let dayStart = session.dayStartEquity ?? session.initialBalance
        let drawdown = session.peakEquity > 0 ? (session.peakEquity - equity) / session.peakEquity * 100 : 0
        metrics.portfolio(equity: equity, cash: account.cash, dailyPnl: equity - dayStart, drawdownPercent: drawdown, openPositions: positions.count)
        updateOrderMetrics()
    }

    func updateOrderMetrics() {
        metrics.openOrders(Dictionary(grouping: openOrders.values, by: \.status).mapValues(\.count))
    }
}
