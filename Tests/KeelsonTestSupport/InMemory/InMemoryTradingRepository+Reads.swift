import Foundation
import KeelsonDomain
import KeelsonPersistence
import KeelsonTrading

/// The read API's rows from the in-memory books, with the PostgreSQL storage's filters, order and paging (its
/// twin is checked against it in `TradingReadStorageParityTests`), so router tests run without a database.
extension InMemoryTradingRepository: TradingReadStorage {
    public func session(id: Int64?) async throws -> TradingReadRepository.SessionView? {
        let mine = sessions.filter { $0.mode == mode }
        guard let record = id.map({ id in mine.first { $0.id == id } }) ?? mine.last else { return nil }
        let next = sessions.first { $0.id > record.id }
        return TradingReadRepository.SessionView(
            id: record.id, mode: record.mode, status: record.state.rawValue, statusReason: record.stateReason,
            initialBalance: record.initialBalance.description, peakEquity: record.peakEquity.description, tradingDay: record.tradingDay,
            dayStartEquity: record.dayStartEquity?.description, startedAt: record.startedAt, endedAt: next?.startedAt,
            configuration: readRows.sessionConfigurations[record.id] ?? "{}")
    }

    public func latestBalance(sessionID: Int64) async throws -> TradingBalanceRow? {
        readRows.balances.last { $0.sessionID == sessionID }?.row
    }

    public func positions(sessionID: Int64) async throws -> [TradingPositionRow] {
        guard sessionID == sessions.last?.id else { return [] }
        return positions.values.sorted { $0.symbol.rawValue < $1.symbol.rawValue }.map { position in
            TradingPositionRow(
                symbol: position.symbol.rawValue, quantity: position.quantity, averageEntryPrice: position.averageEntryPrice,
                markPrice: readRows.marks[position.symbol], stopPrice: position.stops?.stopPrice,
                takeProfitPrice: position.stops?.takeProfitPrice, trailingStopPrice: position.stops?.trailingStopPrice,
                openedAt: position.openedAt, strategy: readRows.orderStrategies[position.entryOrderID] ?? TradingReadRepository.unattributed)
        }
    }

    public func orders(sessionID: Int64?, status: OrderStatus?, filter: TradingReadRepository.ListFilter) async throws
        -> [TradingReadRepository.OrderView]
    {
        let rows = orders.values.filter { order in
            inSessions(readRows.orderSessions[order.id], sessionID) && (status.map { order.status == $0 } ?? true)
                && (filter.symbol.map { order.symbol.rawValue == $0 } ?? true)
                && (filter.strategy.map { readRows.orderStrategies[order.id] == $0 } ?? true)
                && (filter.since.map { order.createdAt >= $0 } ?? true) && (filter.until.map { order.createdAt < $0 } ?? true)
                && (filter.before.map { order.id < $0 } ?? true)
        }
        return rows.sorted { $0.id > $1.id }.prefix(filter.limit + 1).map { order in
            let update = readRows.orderUpdates[order.id]
            return TradingReadRepository.OrderView(
                id: order.id, clientOrderID: order.clientOrderID, symbol: order.symbol.rawValue, side: order.side.rawValue,
                type: order.restingStop == nil ? "market" : "stop_loss_limit", quantity: order.quantity.description,
                status: order.status.rawValue, filledQuantity: order.filledQuantity.description,
                averageFillPrice: order.averageFillPrice?.description, cause: order.cause.rawValue, signalID: order.signalID,
                strategy: readRows.orderStrategies[order.id], rejectReason: update?.rejectReason, createdAt: order.createdAt,
                updatedAt: update?.at ?? order.createdAt)
        }
    }

    public func trades(sessionID: Int64?, filter: TradingReadRepository.ListFilter) async throws -> [TradingReadRepository.TradeView] {
        let rows = readRows.trades.enumerated().filter { index, row in
            inSessions(row.sessionID, sessionID) && (filter.before.map { Int64(index + 1) < $0 } ?? true)
                && (filter.symbol.map { row.trade.symbol.rawValue == $0 } ?? true) && (filter.strategy.map { row.strategy == $0 } ?? true)
                && (filter.since.map { row.trade.exitTime >= $0 } ?? true) && (filter.until.map { row.trade.exitTime < $0 } ?? true)
        }
        return rows.reversed().prefix(filter.limit + 1).map { index, row in
            let trade = row.trade
            return TradingReadRepository.TradeView(
                id: Int64(index + 1), symbol: trade.symbol.rawValue, side: "long", quantity: trade.quantity.description,
                entryTime: trade.entryTime, entryPrice: trade.entryPrice.description, exitTime: trade.exitTime,
                exitPrice: trade.exitPrice.description, pnl: trade.pnl.description, fees: trade.fees.description,
                exitReason: trade.exitReason.rawValue, strategy: row.strategy)
        }
    }

    public func closedTrades(sessionID: Int64) async throws -> [ClosedTrade] {
        readRows.trades.filter { $0.sessionID == sessionID }.map(\.trade)
    }

    public func equity(sessionID: Int64) async throws -> [EquityPoint] {
        readRows.balances.compactMap { row in
            guard row.sessionID == sessionID, let time = row.marketTime else { return nil }
            return EquityPoint(time: time, equity: row.row.equity)
        }.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }

    /// The SQL's thinning: the running peak over the whole session, `points` equal time buckets over the window, each
    /// bucket's last equity and worst drawdown.
    public func equityCurve(session: TradingReadRepository.SessionView, since: Date?, until: Date?, points: Int) async throws
        -> [TradingReadRepository.EquityPointView]
    {
        var peak: Decimal?
        let curve = try await equity(sessionID: session.id).map { point -> (time: Date, equity: Decimal, drawdown: Decimal) in
            let high = max(peak ?? point.equity, point.equity)
            peak = high
            return (point.time, point.equity, high > 0 ? (point.equity - high) / high * 100 : 0)
        }
        let window = curve.filter { point in (since.map { point.time >= $0 } ?? true) && (until.map { point.time < $0 } ?? true) }
        guard let first = window.first?.time, let last = window.last?.time else { return [] }
        let step = max(last.timeIntervalSince(first) / Double(points), 0.001)
        var buckets: [Int: (point: (time: Date, equity: Decimal, drawdown: Decimal), worst: Decimal)] = [:]
        for point in window {
            let bucket = min(Int((point.time.timeIntervalSince(first) / step).rounded(.down)), points - 1)
            let worst = min(buckets[bucket]?.worst ?? point.drawdown, point.drawdown)
            buckets[bucket] = (point, worst)
        }
        return buckets.keys.sorted().compactMap { key in
            buckets[key].map { entry in
                TradingReadRepository.EquityPointView(
                    time: entry.point.time, equity: entry.point.equity.description, drawdownPercent: entry.worst.rounded(scale: 4).description)
            }
        }
    }

    public func attributedTrades() async throws -> [AttributedTrade] {
        let mine = Set(sessions.filter { $0.mode == mode }.map(\.id))
        return readRows.trades.filter { mine.contains($0.sessionID) }.map { row in
            AttributedTrade(
                strategy: row.strategy ?? TradingReadRepository.unattributed, symbol: row.trade.symbol.rawValue, entryTime: row.trade.entryTime,
                exitTime: row.trade.exitTime, pnl: row.trade.pnl, fees: row.trade.fees)
        }
    }

    public func execution(since: Date?, until: Date?) async throws -> [TradingReadRepository.ExecutionRow] {
        let mine = Set(sessions.filter { $0.mode == mode }.map(\.id))
        let fills = readRows.fills.filter { fill in
            mine.contains(fill.sessionID) && (since.map { fill.time >= $0 } ?? true) && (until.map { fill.time < $0 } ?? true)
        }
        let groups = Dictionary(grouping: fills) { fill in
            "\(readRows.orderStrategies[fill.orderID] ?? TradingReadRepository.unattributed)\u{0}\(fill.symbol.rawValue)"
        }
        return groups.keys.sorted().compactMap { key in
            guard let group = groups[key], let first = group.first else { return nil }
            // Averaged in decimal, then `numeric::float8`: the nearest Double to the decimal text (NSDecimalNumber's
            // doubleValue is not).
            func float(_ value: Decimal) -> Double { Double(value.description) ?? 0 }
            let slippage = group.map(\.slippageBps)
            let latencies = group.map(\.latencyMs).sorted()
            return TradingReadRepository.ExecutionRow(
                strategy: readRows.orderStrategies[first.orderID] ?? TradingReadRepository.unattributed, symbol: first.symbol.rawValue,
                fills: group.count, averageSlippageBps: float(slippage.reduce(0, +) / Decimal(group.count)),
                worstSlippageBps: slippage.max().map(float),
                averageLatencyMs: latencies.reduce(0, +) / Double(group.count), p95LatencyMs: Self.continuousPercentile(0.95, of: latencies),
                fees: group.reduce(Decimal(0)) { $0 + $1.fee }.description)
        }
    }

    /// Lifecycle states and events belong to the strategy aggregate, which these books do not keep: none.
    public func strategyStates() async throws -> [String: TradingStrategyStateRow] { [:] }

    public func lifecycleEvents(instance: String, limit: Int) async throws -> [TradingReadRepository.LifecycleEventView] { [] }

    public func latestAllocations() async throws -> [CapitalAllocationRecord] {
        let total = allocations.values.reduce(Decimal(0), +)
        return allocations.keys.sorted().map { instance in
            let amount = allocations[instance] ?? 0
            return CapitalAllocationRecord(
                instance: instance, status: "active",
                share: total > 0 ? NSDecimalNumber(decimal: amount / total).doubleValue : 0, amount: amount, computedAt: readRows.allocatedAt,
                inputs: [:])
        }
    }

    public func riskEvents(sessionID: Int64, limit: Int) async throws -> [TradingReadRepository.RiskEventView] {
        riskEvents.enumerated().filter { $0.element.sessionID == sessionID }.reversed().prefix(limit).map { index, event in
            TradingReadRepository.RiskEventView(
                id: Int64(index + 1), kind: event.kind, symbol: event.symbol?.rawValue, reason: event.reason, occurredAt: event.occurredAt)
        }
    }

    private func inSessions(_ rowSession: Int64?, _ wanted: Int64?) -> Bool {
        guard let rowSession, let session = sessions.first(where: { $0.id == rowSession }), session.mode == mode else { return false }
        return wanted.map { $0 == rowSession } ?? true
    }

    /// PostgreSQL's `percentile_cont`: linear between the two nearest of the sorted values.
    private static func continuousPercentile(_ fraction: Double, of sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let position = fraction * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }
}
