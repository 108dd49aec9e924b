import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonTrading

/// Where orders go: the paper broker, or an exchange. A broker never trades twice for one client order id:
/// a second `submit` of an order it knows changes nothing, and an exchange broker that did not hear back asks
/// the exchange about the order instead of sending it again. Executions are proposed, then confirmed once the
/// engine has committed them, so a fill the database did not take is proposed again rather than lost.
///
/// The engine's side of the lifecycle: it writes the order (`new`, or `submitted` when `acceptsOrdersOnRecord`),
/// calls `submit`, and settles the report — `new` → `submitted` once the broker holds the order, then the
/// executions, then how the order ended. Orders whose fate was unknown come back through `outstandingReports`.
/// At start it hands the broker its open orders (`restore`) and the books to compare (`compareAccount`).
protocol Broker: Sendable {
    var name: String { get }
    /// True when the broker's acceptance of an order is the order's database row (the paper broker, whose book
    /// is rebuilt from PostgreSQL): the order is then written as `submitted` in the statement that writes it.
    /// An exchange accepts an order only by answering, so its orders are written `new` and moved on after.
    var acceptsOrdersOnRecord: Bool { get }
    /// True when the broker can rest a position's stop-loss at the venue (`BrokerOrder.restingStop`); the paper
    /// broker cannot — the engine's stop, acting on the bar that crosses it, is the paper venue's stop.
    var placesRestingStops: Bool { get }
    /// Starts working `order`; the report carries executions that happened at once (a market order on an
    /// exchange, a resting stop the bar crossed).
    func submit(_ order: BrokerOrder) async throws -> BrokerOrderReport
    /// Cancels `order`; the report says how it really ended (it may have filled first), or that it is unknown.
    func cancel(_ order: BrokerOrder, reason: String) async throws -> BrokerOrderReport
    /// Executions a new bar causes.
    func executions(on candle: Candle) async -> [BrokerExecution]
    /// Orders whose outcome the broker did not know (a lost answer) or that were still working (a resting stop), asked
    /// about again when due by `dueBy` — now on a catch-up poll, all of them before the account is compared with the
    /// books, so that a stop the exchange filled meanwhile is in the books first: a report for each one it learned
    /// something about.
    func outstandingReports(dueBy: Date) async -> [BrokerOrderReport]
    /// The engine has recorded `execution`.
    func confirm(_ execution: BrokerExecution) async
    /// Start-up: takes over the engine's open orders, without sending any of them again, and reports what became
    /// of each. Throws `BrokerUnavailable` when the broker cannot be asked; the engine retries.
    func restore(_ orders: [BrokerOrder]) async throws -> [BrokerOrderReport]
    /// At start and every reconciliation round: what the account at the broker holds and works that the books
    /// disagree with, the trades made outside Keelson and the balances that moved since the last comparison. Throws
    /// `BrokerUnavailable` when the broker cannot be asked.
    func compareAccount(with books: AccountBooks) async throws -> [AccountDifference]
    /// The last comparison read the account while an order was filling (the books have caught up since): compares
    /// again as if it had not been made — balance moves are measured from the comparison before it — and keeps the
    /// outside trades it found.
    func compareAccountAgain(with books: AccountBooks) async throws -> [AccountDifference]
    /// The venue's own price and quantity rules for sizing (live: the exchange's filters); empty when the
    /// settings' rules are the venue's (paper). Throws `BrokerUnavailable` when the broker cannot be asked.
    func symbolRules(for symbols: [Symbol]) async throws -> [Symbol: SymbolRules]
    /// Forgets everything: the engine is about to restore from the database or stand by.
    func reset() async
}
