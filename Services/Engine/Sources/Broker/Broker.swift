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
    /// Starts working `order`; the report carries executions that happened at once (a market order on an
    /// exchange, a resting stop the bar crossed).
    func submit(_ order: BrokerOrder) async throws -> BrokerOrderReport
    /// Cancels `order`; the report says how it really ended (it may have filled first), or that it is unknown.
    func cancel(_ order: BrokerOrder, reason: String) async throws -> BrokerOrderReport
    /// Executions a new bar causes.
    func executions(on candle: Candle) async -> [BrokerExecution]
    /// Orders whose outcome the broker did not know (a lost answer) or that were still working, asked about again
    /// when due: a report for each one it learned something about.
    func outstandingReports() async -> [BrokerOrderReport]
    /// The engine has recorded `execution`.
    func confirm(_ execution: BrokerExecution) async
    /// Start-up: takes over the engine's open orders, without sending any of them again, and reports what became
    /// of each. Throws `BrokerUnavailable` when the broker cannot be asked; the engine retries.
    func restore(_ orders: [BrokerOrder]) async throws -> [BrokerOrderReport]
    /// Start-up: what the account at the broker holds and works that the books disagree with. Throws
    /// `BrokerUnavailable` when the broker cannot be asked.
    func compareAccount(with books: AccountBooks) async throws -> [AccountDifference]
    /// Forgets everything: the engine is about to restore from the database or stand by.
    func reset() async
}

/// An order as the broker works it.
struct BrokerOrder: Sendable, Equatable {
    var clientOrderID: String
    var symbol: Symbol
    var side: TradeSide
    var quantity: Decimal
    var cause: OrderCause
    /// Traded so far, as the engine recorded it.
    var filledQuantity: Decimal
    var averageFillPrice: Decimal?
    /// The price the decision expected (the signal's price, a stop level): slippage is measured against it.
    var expectedPrice: Decimal?
    /// Fills only on bars that open after this: a decision made at a bar's close trades at the next price seen.
    var decidedAfterBar: Date
    /// When the order was written.
    var placedAt: Date
    var fillCount: Int
    /// The open time of the bar it last filled on (paper): it fills at most once per bar.
    var lastFillBar: Date?
    /// A stop or take-profit that was resting at the exchange and the bar crossed: it fills at once at this price.
    var immediateFill: (price: Decimal, bar: Candle)?

    var remainingQuantity: Decimal { quantity - filledQuantity }

    /// A stop's exit seen on the bar that triggered it (decided "after" the second before that bar opened) without
    /// its immediate fill, because a crash came between the exit's write and the fill: the price the stop executes at
    /// on that bar — the level, or the open when the bar opened through it — so the restart trades as the
    /// uninterrupted run would have.
    func triggeredStopPrice(on candle: Candle) -> Decimal? {
        guard let level = expectedPrice, candle.openTime == decidedAfterBar.addingTimeInterval(1) else { return nil }
        switch cause {
        case .stopLoss, .trailingStop: return min(candle.open, level)
        case .takeProfit: return max(candle.open, level)
        case .signal, .closeAll, .manual: return nil
        }
    }

    static func == (lhs: BrokerOrder, rhs: BrokerOrder) -> Bool {
        lhs.clientOrderID == rhs.clientOrderID && lhs.quantity == rhs.quantity && lhs.filledQuantity == rhs.filledQuantity && lhs.fillCount == rhs.fillCount
    }
}

/// One execution report.
struct BrokerExecution: Sendable, Equatable {
    var clientOrderID: String
    /// Unique per order (the exchange's trade id, or `<client order id>-<n>` on paper), so a replayed report
    /// is recognised.
    var exchangeFillID: String
    /// How much of the order this execution traded, as the exchange counts it.
    var quantity: Decimal
    /// What it adds to or takes from the position: `quantity`, except for a buy whose commission the exchange
    /// took in the asset bought (see `BinanceFillConversion`).
    var positionQuantity: Decimal
    var price: Decimal
    /// The price the fill was measured against: the bar's open, the stop level, or the decision's price.
    var referencePrice: Decimal
    /// In the quote asset, as the engine's accounting counts it.
    var fee: Decimal
    /// What the exchange charged, in the asset it charged it in, when that is not simply `fee`.
    var commission: BrokerCommission?
    var slippageBps: Decimal
    var latencyMilliseconds: Double
    var time: Date
    /// The open time of the bar it executed on (paper); nil on an exchange.
    var bar: Date?
}

/// A commission as the exchange charged it.
struct BrokerCommission: Sendable, Equatable, CustomStringConvertible {
    var amount: Decimal
    var asset: String
    /// Not reported by the exchange but estimated (an order recovered by query carries no fills).
    var estimated: Bool

    var description: String { "\(amount) \(asset)\(estimated ? " (estimated)" : "")" }
}
