import Foundation
import Hummingbird
import KeelsonDomain
import KeelsonPersistence
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
            try await maintainRestingStops()
            let fillLatency = lastFillCommittedAt.map { ($0 - received).milliseconds }
            return CandleResult(accepted: accepted, fills: fills, state: (state ?? .stopped).rawValue, fillLatencyMilliseconds: fillLatency)
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
            // The day starts with equity at the marks before this bar.
            kernel.rollTradingDay(to: candle.openTime, marks: marks)
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
        switch kernel.protectiveStops(on: candle, exitWorking: marketExitWorking(for: symbol)) {
        case .triggered(let trigger):
            logger.info(
                "exit triggered",
                metadata: [
                    "symbol": "\(symbol)", "cause": "\(trigger.cause.rawValue)", "level": "\(trigger.level)",
                    "bar": "\(candle.openTime.formatted(.iso8601))",
                ])
            // Decided "after" the second before this bar: should the immediate fill be lost to a crash, the restored
            // order still fills on this bar, at the stop's price (`BrokerOrder.triggeredStopPrice`).
            return fills
                + (try await exit(
                    symbol, cause: trigger.cause, expectedPrice: trigger.level, immediateFill: (trigger.price, candle),
                    decidedAfterBar: candle.openTime.addingTimeInterval(-1)))
        case .moved:
            stopsMoved = true
        case .unchanged:
            break
        }
        return fills
    }

    // MARK: Limits, snapshots

    func afterCandles(marketTime: Date, processed: [Symbol: Date]) async throws {
        guard let current = session else { return }
        let marks = marks
        let equity = kernel.equity(marks: marks)
        if let breach = kernel.checkLossLimits(equity: equity) {
            try await changeState(to: .halted, reason: breach.reason, kind: breach.kind.rawValue, resetReferences: false)
        }
        let changed = lastSnapshot.map { $0.equity != equity || marketTime.timeIntervalSince($0.time) >= 60 } ?? true
        let recordsBalance = changed || stopsMoved
        try await store.saveSnapshot(
            EquitySnapshot(
                account: kernel.account, equity: equity, unrealizedPnl: kernel.unrealizedPnl(marks: marks), marketTime: marketTime,
                limits: kernel.limits,
                positions: Array(kernel.positions.values), marks: marks, processedBars: processed, recordsBalance: recordsBalance
            ), sessionID: current.id, fence: try requireFence())
        if recordsBalance {
            lastSnapshot = (marketTime, equity)
            stopsMoved = false
        }
        updatePortfolioMetrics()
    }

    func changeState(to state: TradingState, reason: String, kind: String, resetReferences: Bool) async throws {
        guard let current = session else { return }
        let equity = kernel.equity(marks: marks)
        try await store.setState(
            state, reason: reason, kind: kind, sessionID: current.id, resetReferences: resetReferences ? equity : nil, fence: try requireFence())
        kernel.limits.state = state
        session?.stateReason = reason
        if resetReferences { kernel.limits.resetReferences(to: equity) }
        metrics.tradingState(state)
        logger.notice("trading state changed", metadata: ["state": "\(state.rawValue)", "kind": "\(kind)", "reason": "\(reason)"])
    }

    func updatePortfolioMetrics() {
        guard session != nil else { return }
        let limits = kernel.limits
        let equity = kernel.equity(marks: marks)
        let dayStart = limits.dayStartEquity ?? limits.initialBalance
        let drawdown = limits.peakEquity > 0 ? (limits.peakEquity - equity) / limits.peakEquity * 100 : 0
        metrics.portfolio(
            equity: equity, cash: kernel.account.cash, dailyPnl: equity - dayStart, drawdownPercent: drawdown, openPositions: kernel.positions.count)
        updateOrderMetrics()
    }

    func updateOrderMetrics() {
        metrics.openOrders(Dictionary(grouping: openOrders.values, by: \.status).mapValues(\.count))
    }
}
