/// One way an exchange account disagrees with Keelson's books, in one sentence.
public struct AccountDifference: Sendable, Equatable, Encodable, CustomStringConvertible {
    public enum Kind: String, Sendable, Encodable, CaseIterable {
        /// The exchange holds less of an asset than the books need (cash, or a position's base asset).
        case balanceShortfall = "balance_shortfall"
        /// An order executed on the exchange beyond what the books recorded (while the engine was down, or its
        /// answer was lost).
        case executionNotRecorded = "execution_not_recorded"
        /// An order the books count as working has ended on the exchange (canceled, expired, rejected).
        case orderEndedOnExchange = "order_ended_on_exchange"
        /// An order the books count as working is not known to the exchange.
        case orderUnknownToExchange = "order_unknown_to_exchange"
        /// The exchange works an order the books do not know (placed by hand, or by another program).
        case orderUnknownToKeelson = "order_unknown_to_keelson"
        /// A trade on the exchange of an order Keelson did not place (by hand, or by another program).
        case externalTrade = "external_trade"
        /// An asset's balance moved, beyond what Keelson's own trades explain, by more than the alert threshold
        /// since the last comparison (a deposit, a withdrawal, a trade or fee outside Keelson).
        case balanceChange = "balance_change"
    }

    public var kind: Kind
    /// The asset or the client order id it is about.
    public var subject: String
    /// What the exchange says against what the books say.
    public var detail: String

    public init(kind: Kind, subject: String, detail: String) {
        self.kind = kind
        self.subject = subject
        self.detail = detail
    }

    public var description: String { detail }
}
