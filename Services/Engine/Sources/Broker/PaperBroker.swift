import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonTrading

/// The default broker: the kernel's `PaperVenue` behind the broker protocol. Its book is the engine's open orders,
/// restored from PostgreSQL at every start.
actor PaperBroker: Broker {
    nonisolated let name = "paper"
    nonisolated let acceptsOrdersOnRecord = true
    nonisolated let placesRestingStops = false
    private var venue: PaperVenue

    init(model: ExecutionModel, rules: @escaping @Sendable (Symbol) -> SymbolRules) {
        venue = PaperVenue(model: model, rules: rules)
    }

    func submit(_ order: BrokerOrder) async throws -> BrokerOrderReport {
        var report = BrokerOrderReport(clientOrderID: order.clientOrderID, outcome: .accepted)
        if let execution = venue.submit(order) { report.executions = [execution] }
        return report
    }

    func cancel(_ order: BrokerOrder, reason: String) async throws -> BrokerOrderReport {
        venue.cancel(order.clientOrderID)
        return BrokerOrderReport(clientOrderID: order.clientOrderID, outcome: .ended(.canceled, reason: reason))
    }

    func executions(on candle: Candle) async -> [BrokerExecution] { venue.executions(on: candle) }

    /// Paper orders are never in doubt.
    func outstandingReports(dueBy: Date) async -> [BrokerOrderReport] { [] }

    func confirm(_ execution: BrokerExecution) async { venue.confirm(execution) }

    /// The book is the database's open orders: each is working here again, including one written but never
    /// put in the book before a crash.
    func restore(_ orders: [BrokerOrder]) async throws -> [BrokerOrderReport] {
        orders.map { order in
            venue.restore(order)
            return BrokerOrderReport(clientOrderID: order.clientOrderID, outcome: .accepted)
        }
    }

    /// The paper account is the books.
    func compareAccount(with books: AccountBooks) async throws -> [AccountDifference] { [] }
    func compareAccountAgain(with books: AccountBooks) async throws -> [AccountDifference] { [] }

    /// The paper venue trades by the settings' rules.
    func symbolRules(for symbols: [Symbol]) async throws -> [Symbol: SymbolRules] { [:] }

    func reset() async { venue.reset() }
}
