import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonTrading

/// The default broker: market orders fill at the next bar's open through the execution model (spread,
/// slippage, fees, latency, participation cap); resting stops fill at their level, or at the open when the bar
/// gapped through. Its book is the engine's open orders, restored from PostgreSQL at every start.
actor PaperBroker: Broker {
    nonisolated let name = "paper"
    nonisolated let acceptsOrdersOnRecord = true
    private let model: ExecutionModel
    private let rules: @Sendable (Symbol) -> SymbolRules
    private var book: [String: BrokerOrder] = [:]
    /// Orders that finished here, so resending one is recognised rather than traded again.
    private var finished: Set<String> = []

    init(model: ExecutionModel, rules: @escaping @Sendable (Symbol) -> SymbolRules) {
        self.model = model
        self.rules = rules
    }

    func submit(_ order: BrokerOrder) async throws -> BrokerOrderReport {
        var report = BrokerOrderReport(clientOrderID: order.clientOrderID, outcome: .accepted)
        guard book[order.clientOrderID] == nil, !finished.contains(order.clientOrderID) else { return report }
        book[order.clientOrderID] = order
        if let (price, bar) = order.immediateFill, let execution = execution(for: order, referencePrice: price, bar: bar, time: bar.closeTime) {
            report.executions = [execution]
        }
        return report
    }

    func cancel(_ order: BrokerOrder, reason: String) async throws -> BrokerOrderReport {
        book[order.clientOrderID] = nil
        finished.insert(order.clientOrderID)
        return BrokerOrderReport(clientOrderID: order.clientOrderID, outcome: .ended(.canceled, reason: reason))
    }

    func executions(on candle: Candle) async -> [BrokerExecution] {
        book.values
            .filter { $0.symbol == candle.symbol && candle.openTime > $0.decidedAfterBar && candle.openTime > ($0.lastFillBar ?? .distantPast) }
            .sorted { $0.clientOrderID < $1.clientOrderID }
            .compactMap { order in
                if let price = order.triggeredStopPrice(on: candle) { return execution(for: order, referencePrice: price, bar: candle, time: candle.closeTime) }
                return execution(for: order, referencePrice: candle.open, bar: candle, time: candle.openTime)
            }
    }

    /// Paper orders are never in doubt.
    func outstandingReports() async -> [BrokerOrderReport] { [] }

    private func execution(for order: BrokerOrder, referencePrice: Decimal, bar: Candle, time: Date) -> BrokerExecution? {
        guard let fill = model.fill(side: order.side, quantity: order.remainingQuantity, referencePrice: referencePrice, bar: bar, rules: rules(order.symbol)) else {
            return nil
        }
        return BrokerExecution(
            clientOrderID: order.clientOrderID, exchangeFillID: "\(order.clientOrderID)-\(order.fillCount + 1)", quantity: fill.quantity,
            positionQuantity: fill.quantity, price: fill.price, referencePrice: referencePrice, fee: fill.fee, commission: nil,
            slippageBps: fill.slippageBps, latencyMilliseconds: fill.latencyMilliseconds, time: time.addingTimeInterval(fill.latencyMilliseconds / 1000),
            bar: bar.openTime
        )
    }

    func confirm(_ execution: BrokerExecution) async {
        guard var order = book[execution.clientOrderID] else { return }
        order.filledQuantity += execution.quantity
        order.fillCount += 1
        order.lastFillBar = execution.bar
        order.immediateFill = nil
        if order.remainingQuantity <= 0 {
            book[execution.clientOrderID] = nil
            finished.insert(execution.clientOrderID)
        } else {
            book[execution.clientOrderID] = order
        }
    }

    /// The book is the database's open orders: each is working here again, including one written but never
    /// put in the book before a crash.
    func restore(_ orders: [BrokerOrder]) async throws -> [BrokerOrderReport] {
        var reports: [BrokerOrderReport] = []
        for order in orders {
            book[order.clientOrderID] = order
            reports.append(BrokerOrderReport(clientOrderID: order.clientOrderID, outcome: .accepted))
        }
        return reports
    }

    /// The paper account is the books.
    func compareAccount(with books: AccountBooks) async throws -> [AccountDifference] { [] }

    func reset() async {
        book = [:]
        finished = []
    }
}
