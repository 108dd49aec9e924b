import Foundation
import KeelsonTrading

/// What a broker learned about one order: whether it holds it, what executed, and how it ended.
struct BrokerOrderReport: Sendable, Equatable {
    enum Outcome: Sendable, Equatable {
        /// The broker holds the order (working, or filled by `executions`).
        case accepted
        /// The broker held the order and it ended with what it had executed: `.canceled` or `.expired`.
        case ended(OrderStatus, reason: String)
        /// The order never became one at the broker: refused (a filter, the balance), never sent, or unknown to
        /// the exchange long after it was placed. Nothing executed.
        case rejected(reason: String)
        /// The broker cannot tell whether the order exists (an answer lost to a 5xx, a timeout or a dropped
        /// connection, and the query failed too). It asks again later and never sends the order again.
        case unknown(reason: String)
    }

    var clientOrderID: String
    var outcome: Outcome
    var executions: [BrokerExecution] = []
    /// The exchange's id for the order, when it has one.
    var exchangeOrderID: String?
    /// The quantity the broker works when it is not the order's (rounded down to the exchange's lot step).
    var workingQuantity: Decimal?

    /// The broker holds or held the order, so it has left `new` even if it has ended since.
    var brokerHeldOrder: Bool {
        switch outcome {
        case .accepted, .ended: true
        case .rejected, .unknown: false
        }
    }
}
