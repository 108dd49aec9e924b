import Foundation
import KeelsonDomain

/// Simulated matching, as a value: market orders fill at the opens of the bars after their decision through the
/// execution model (spread, slippage, fees, latency, participation cap), at most once per bar; a stop exit the bar
/// crossed fills at its level, or at the open when the bar gapped through it. The paper broker keeps one; nothing
/// here knows a clock or a database.
public struct PaperVenue: Sendable {
    private let model: ExecutionModel
    private let rules: @Sendable (Symbol) -> SymbolRules
    private var book: [String: BrokerOrder] = [:]
    /// Orders that finished here, so resending one is recognised rather than traded again.
    private var finished: Set<String> = []

    public init(model: ExecutionModel, rules: @escaping @Sendable (Symbol) -> SymbolRules) {
        self.model = model
        self.rules = rules
    }

    /// Starts working `order`; returns its immediate execution (a crossed stop), if any. An order already working
    /// or finished here changes nothing.
    public mutating func submit(_ order: BrokerOrder) -> BrokerExecution? {
        guard book[order.clientOrderID] == nil, !finished.contains(order.clientOrderID) else { return nil }
        book[order.clientOrderID] = order
        guard let (price, bar) = order.immediateFill else { return nil }
        return execution(for: order, referencePrice: price, bar: bar, time: bar.closeTime)
    }

    /// Takes back an order whatever it did: a restart hands the venue the orders the database has open.
    public mutating func restore(_ order: BrokerOrder) {
        book[order.clientOrderID] = order
    }

    public mutating func cancel(_ clientOrderID: String) {
        book[clientOrderID] = nil
        finished.insert(clientOrderID)
    }

    /// What `candle` fills of the orders working on its symbol, in client order id order.
    public func executions(on candle: Candle) -> [BrokerExecution] {
        book.values
            .filter { $0.symbol == candle.symbol && candle.openTime > $0.decidedAfterBar && candle.openTime > ($0.lastFillBar ?? .distantPast) }
            .sorted { $0.clientOrderID < $1.clientOrderID }
            .compactMap { order in
                if let price = order.triggeredStopPrice(on: candle) {
                    return execution(for: order, referencePrice: price, bar: candle, time: candle.closeTime)
                }
                return execution(for: order, referencePrice: candle.open, bar: candle, time: candle.openTime)
            }
    }

    /// The execution was recorded: the order works on with what is left, or is finished.
    public mutating func confirm(_ execution: BrokerExecution) {
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

    public mutating func reset() {
        book = [:]
        finished = []
    }

    private func execution(for order: BrokerOrder, referencePrice: Decimal, bar: Candle, time: Date) -> BrokerExecution? {
        guard
            let fill = model.fill(
                side: order.side, quantity: order.remainingQuantity, referencePrice: referencePrice, bar: bar, rules: rules(order.symbol))
        else {
            return nil
        }
        return BrokerExecution(
            clientOrderID: order.clientOrderID, exchangeFillID: "\(order.clientOrderID)-\(order.fillCount + 1)", quantity: fill.quantity,
            positionQuantity: fill.quantity, price: fill.price, referencePrice: referencePrice, fee: fill.fee, commission: nil,
            slippageBps: fill.slippageBps, latencyMilliseconds: fill.latencyMilliseconds,
            time: time.addingTimeInterval(fill.latencyMilliseconds / 1000),
            bar: bar.openTime
        )
    }
}
