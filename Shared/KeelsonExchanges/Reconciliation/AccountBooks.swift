import Foundation

/// What Keelson's database says an exchange account should hold and be working: the cash the engine trades
/// with, its positions, and the orders it still counts as working. Compared with what the exchange says by
/// `BinanceAccountReconciler`.
public struct AccountBooks: Sendable, Equatable {
    public struct WorkingOrder: Sendable, Equatable {
        public var clientOrderId: String
        public var symbol: String
        /// What the books say has traded, as the exchange counts it (`executedQty`).
        public var filledQuantity: Decimal

        public init(clientOrderId: String, symbol: String, filledQuantity: Decimal) {
            self.clientOrderId = clientOrderId
            self.symbol = symbol
            self.filledQuantity = filledQuantity
        }
    }

    /// Quote currency the engine may spend (held in the traded symbols' quote asset).
    public var cash: Decimal
    /// Position quantity by symbol (held in each symbol's base asset).
    public var positions: [String: Decimal]
    public var workingOrders: [WorkingOrder]
    /// The symbols the engine trades, which say what the quote and base assets are.
    public var symbols: [String]

    public init(cash: Decimal, positions: [String: Decimal], workingOrders: [WorkingOrder], symbols: [String]) {
        self.cash = cash
        self.positions = positions
        self.workingOrders = workingOrders
        self.symbols = symbols
    }

    /// Every symbol the books mention, sorted.
    var allSymbols: [String] {
        Set(symbols).union(positions.keys).union(workingOrders.map(\.symbol)).sorted()
    }
}
