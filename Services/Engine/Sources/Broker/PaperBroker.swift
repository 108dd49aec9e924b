import Foundation
import KeelsonDomain
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

    func submit(_ order: BrokerOrder) async throws -> [BrokerExecution] {
        guard book[order.clientOrderID] == nil, !finished.contains(order.clientOrderID) else { return [] }
        book[order.clientOrderID] = order
        guard let (price, bar) = order.immediateFill else { return [] }
        return execution(for: order, referencePrice: price, bar: bar, time: bar.closeTime).map { [$0] } ?? []
    }

    func cancel(clientOrderID: String) async throws {
        book[clientOrderID] = nil
        finished.insert(clientOrderID)
    }

    func workingOrders() async -> Set<String> { Set(book.keys) }

    func executions(on candle: Candle) async -> [BrokerExecution] {
        book.values
            .filter { $0.symbol == candle.symbol && candle.openTime > $0.decidedAfterBar }
            .sorted { $0.clientOrderID < $1.clientOrderID }
            .compactMap { execution(for: $0, referencePrice: candle.open, bar: candle, time: candle.openTime) }
    }

    private func execution(for order: BrokerOrder, referencePrice: Decimal, bar: Candle, time: Date) -> BrokerExecution? {
        guard let fill = model.fill(side: order.side, quantity: order.remainingQuantity, referencePrice: referencePrice, bar: bar, rules: rules(order.symbol)) else {
            return nil
        }
        return BrokerExecution(
            clientOrderID: order.clientOrderID, exchangeFillID: "\(order.clientOrderID)-\(order.fillCount + 1)", quantity: fill.quantity,
            price: fill.price, referencePrice: referencePrice, fee: fill.fee, slippageBps: fill.slippageBps,
            latencyMilliseconds: fill.latencyMilliseconds, time: time.addingTimeInterval(fill.latencyMilliseconds / 1000)
        )
    }

    func confirm(_ execution: BrokerExecution) async {
        guard var order = book[execution.clientOrderID] else { return }
        order.remainingQuantity -= execution.quantity
        order.fillCount += 1
        order.immediateFill = nil
        if order.remainingQuantity <= 0 {
            book[execution.clientOrderID] = nil
            finished.insert(execution.clientOrderID)
        } else {
            book[execution.clientOrderID] = order
        }
    }

    func reset() async {
        book = [:]
        finished = []
    }
}
