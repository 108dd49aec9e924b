import Foundation
import KeelsonDomain
import KeelsonStrategies
import KeelsonTrading
import Logging
import PostgresNIO

extension PostgresTradingRepository {
    public func applyFill(_ commit: FillCommit, sessionID: Int64, fence: LeaderFence) async throws -> Bool {
        let fill = commit.fill
        let order = commit.order
        let position = commit.position
        let stops = position.stops
        let trade = commit.trade
        var bindings = PostgresBindings.fenced(fence)
        bindings.append(order.id)
        bindings.append(sessionID)
        bindings.append(commit.exchangeFillID)
        bindings.append(order.symbol.rawValue)
        bindings.append(fill.side.rawValue)
        try bindings.append(fill.quantity)
        try bindings.append(fill.price)
        try bindings.append(fill.fee)
        try bindings.append(commit.expectedPrice)
        try bindings.append(commit.slippageBps)
        bindings.append(commit.latencyMilliseconds)
        bindings.append(fill.time)
        bindings.append(order.status.rawValue)
        try bindings.append(order.filledQuantity)
        try bindings.append(order.averageFillPrice)
        bindings.append(commit.previousStatus.rawValue)
        bindings.append(position.quantity > 0)
        try bindings.append(position.quantity)
        try bindings.append(position.averageEntryPrice)
        try bindings.append(position.realizedPnl)
        try bindings.append(stops?.stopPrice)
        try bindings.append(stops?.takeProfitPrice)
        try bindings.append(stops?.trailingStopPrice)
        try bindings.append(stops?.highestPrice)
        bindings.append(position.openedAt)
        try bindings.append(position.entryQuantity)
        try bindings.append(position.entryFees)
        try bindings.append(position.exitQuantity)
        try bindings.append(position.exitNotional)
        try bindings.append(position.exitFees)
        bindings.append(position.entryOrderID)
        try bindings.append(stops?.trailingDistance)
        bindings.append(Int32(position.exitAttempts))
        try bindings.append(commit.marks[position.symbol])
        bindings.append(trade != nil)
        try bindings.append(trade?.quantity)
        bindings.append(trade?.entryTime)
        try bindings.append(trade?.entryPrice)
        bindings.append(trade?.exitTime)
        try bindings.append(trade?.exitPrice)
        try bindings.append(trade?.pnl)
        try bindings.append(trade?.fees)
        bindings.append(trade?.exitReason.rawValue)
        bindings.append(trade?.entryOrderID)
        bindings.append(trade?.exitOrderID)
        try bindings.append(commit.account.cash)
        try bindings.append(commit.equity.rounded(scale: 8))
        try bindings.append(commit.account.realizedPnl)
        try bindings.append(commit.unrealizedPnl.rounded(scale: 8))
        try bindings.append(commit.account.feesPaid)
        try bindings.append(commit.peakEquity)
        try bindings.append(position.costBasis)
        try bindings.append(commit.executedQuantity == fill.quantity ? nil : commit.executedQuantity)
        bindings.append(commit.commission)
        bindings.append(order.lastFillBar)
        let (held, count) = try await run(FillRecord.self, bindings).decode((Bool, Int64).self)
        guard held else { throw TradingRepositoryError.notLeader }
        return count == 1
    }

    public func saveSnapshot(_ snapshot: EquitySnapshot, sessionID: Int64, fence: LeaderFence) async throws {
        // Between fills only the marks and the trailing stops of open positions move.
        let positions = snapshot.positions
        var bindings = PostgresBindings.fenced(fence)
        bindings.append(sessionID)
        try bindings.append(snapshot.account.cash)
        try bindings.append(snapshot.equity.rounded(scale: 8))
        try bindings.append(snapshot.account.realizedPnl)
        try bindings.append(snapshot.unrealizedPnl.rounded(scale: 8))
        try bindings.append(snapshot.account.feesPaid)
        bindings.append(snapshot.marketTime)
        try bindings.append(snapshot.limits.peakEquity)
        bindings.append(snapshot.limits.tradingDay)
        try bindings.append(snapshot.limits.dayStartEquity)
        bindings.append(positions.map(\.symbol.rawValue))
        bindings.append(positions.map { $0.stops?.highestPrice.description ?? "" })
        bindings.append(positions.map { $0.stops?.trailingStopPrice?.description ?? "" })
        bindings.append(positions.map { snapshot.marks[$0.symbol]?.description ?? "" })
        let processed = snapshot.processedBars.sorted { $0.key.rawValue < $1.key.rawValue }
        bindings.append(processed.map(\.key.rawValue))
        bindings.append(processed.map(\.value.timeIntervalSince1970))
        bindings.append(snapshot.recordsBalance)
        let held = try await run(EquitySnapshotRecord.self, bindings).decode(Bool.self)
        if !held { throw TradingRepositoryError.notLeader }
    }

    public func setState(_ state: TradingState, reason: String, kind: String, sessionID: Int64, resetReferences equity: Decimal?, fence: LeaderFence)
        async throws
    {
        try await client.transaction(logger: logger) { connection in
            try await Self.checkFence(fence, connection: connection, logger: logger)
            try await connection.query(
                """
                UPDATE trading_sessions SET status = \(state.rawValue), status_reason = \(reason),
                    peak_equity = coalesce(\(equity), peak_equity), day_start_equity = coalesce(\(equity), day_start_equity)
                WHERE id = \(sessionID)
                """, logger: logger
            )
            try await connection.query(
                "INSERT INTO risk_events (session_id, kind, reason, detail) VALUES (\(sessionID), \(kind), \(reason), \(Self.json(["state": state.rawValue]))::jsonb)",
                logger: logger
            )
        }
    }

    public func recordRiskEvent(kind: String, symbol: Symbol?, reason: String, detail: [String: String], sessionID: Int64) async throws {
        try await client.read(
            "INSERT INTO risk_events (session_id, kind, symbol, reason, detail) VALUES (\(sessionID), \(kind), \(symbol?.rawValue), \(reason), \(Self.json(detail))::jsonb)",
            logger: logger
        ) { _ in }
    }

    static func json(_ values: [String: String]) -> String {
        (try? String(decoding: JSONSerialization.data(withJSONObject: values, options: [.sortedKeys]), as: UTF8.self)) ?? "{}"
    }
}
