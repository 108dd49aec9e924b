import Foundation
import KeelsonDomain

/// Where orders go: the paper broker, or an exchange. Sending an order whose client order id the broker
/// already knows never trades twice. Executions are proposed, then confirmed once the engine has committed
/// them, so a fill the database did not take is proposed again rather than lost.
protocol Broker: Sendable {
    var name: String { get }
    /// True when the broker's acceptance of an order is the order's database row (the paper broker, whose book
    /// is rebuilt from PostgreSQL): the order is then written as `submitted` in the statement that writes it.
    /// An exchange accepts an order only by answering, so its orders are written `new` and moved on after.
    var acceptsOrdersOnRecord: Bool { get }
    /// Starts working `order`; returns executions that happen at once (a resting stop the bar crossed).
    func submit(_ order: BrokerOrder) async throws -> [BrokerExecution]
    func cancel(clientOrderID: String) async throws
    /// Client order ids the broker is working, for reconciliation at start.
    func workingOrders() async -> Set<String>
    /// Executions a new bar causes.
    func executions(on candle: Candle) async -> [BrokerExecution]
    /// The engine has recorded `execution`.
    func confirm(_ execution: BrokerExecution) async
    /// Forgets everything: the engine is about to restore from the database or stand by.
    func reset() async
}

/// An order as the broker works it.
struct BrokerOrder: Sendable, Equatable {
    var clientOrderID: String
    var symbol: Symbol
    var side: TradeSide
    var remainingQuantity: Decimal
    /// Fills only on bars that open after this: a decision made at a bar's close trades at the next price seen.
    var decidedAfterBar: Date
    var fillCount: Int
    /// A stop or take-profit that was resting at the exchange and the bar crossed: it fills at once at this price.
    var immediateFill: (price: Decimal, bar: Candle)?

    static func == (lhs: BrokerOrder, rhs: BrokerOrder) -> Bool {
        lhs.clientOrderID == rhs.clientOrderID && lhs.remainingQuantity == rhs.remainingQuantity && lhs.fillCount == rhs.fillCount
    }
}

/// One execution report.
struct BrokerExecution: Sendable, Equatable {
    var clientOrderID: String
    /// Unique per order: `<client order id>-<n>`, so a replayed report is recognised.
    var exchangeFillID: String
    var quantity: Decimal
    var price: Decimal
    /// The price the fill was measured against: the bar's open, or the stop level.
    var referencePrice: Decimal
    var fee: Decimal
    var slippageBps: Decimal
    var latencyMilliseconds: Double
    var time: Date
}
