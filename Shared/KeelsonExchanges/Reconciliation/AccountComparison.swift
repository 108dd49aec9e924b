import Foundation

/// An exchange account next to Keelson's books: each relevant asset's balance against what the books need,
/// the exchange's open orders, the books' working orders as the exchange reports them, and every difference.
/// The books may hold less than the account (money Keelson does not trade); they may not need more.
public struct AccountComparison: Sendable, Equatable, Encodable {
    public struct Balance: Sendable, Equatable, Encodable {
        public var asset: String
        public var free: Decimal
        public var locked: Decimal
        /// What the books need of this asset — the cash for the quote asset, the positions for a base asset;
        /// nil when the books say nothing about it (cash in several quote assets is not attributed).
        public var books: Decimal?

        public init(asset: String, free: Decimal, locked: Decimal, books: Decimal?) {
            self.asset = asset
            self.free = free
            self.locked = locked
            self.books = books
        }

        public var total: Decimal { free + locked }
        public var shortfall: Decimal { max(0, (books ?? 0) - total) }

        enum CodingKeys: String, CodingKey { case asset, free, locked, total, books, shortfall }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(asset, forKey: .asset)
            try container.encode(free.description, forKey: .free)
            try container.encode(locked.description, forKey: .locked)
            try container.encode(total.description, forKey: .total)
            try container.encode(books?.description, forKey: .books)
            try container.encode(shortfall.description, forKey: .shortfall)
        }
    }

    /// An order the exchange works.
    public struct OpenOrder: Sendable, Equatable, Encodable {
        public var clientOrderId: String
        public var symbol: String
        public var side: String
        public var type: String
        public var quantity: Decimal
        public var executed: Decimal
        public var knownToKeelson: Bool

        enum CodingKeys: String, CodingKey {
            case symbol, side, type, quantity, executed
            case clientOrderId = "client_order_id", knownToKeelson = "known_to_keelson"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(clientOrderId, forKey: .clientOrderId)
            try container.encode(symbol, forKey: .symbol)
            try container.encode(side, forKey: .side)
            try container.encode(type, forKey: .type)
            try container.encode(quantity.description, forKey: .quantity)
            try container.encode(executed.description, forKey: .executed)
            try container.encode(knownToKeelson, forKey: .knownToKeelson)
        }
    }

    /// An order the books count as working, with what the exchange says of it.
    public struct WorkingOrder: Sendable, Equatable, Encodable {
        public var clientOrderId: String
        public var symbol: String
        public var recorded: Decimal
        /// The exchange's status (NEW, FILLED, …), "not found", or nil when the exchange was not asked.
        public var exchangeStatus: String?
        public var exchangeExecuted: Decimal?

        enum CodingKeys: String, CodingKey {
            case symbol, recorded
            case clientOrderId = "client_order_id", exchangeStatus = "exchange_status", exchangeExecuted = "exchange_executed"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(clientOrderId, forKey: .clientOrderId)
            try container.encode(symbol, forKey: .symbol)
            try container.encode(recorded.description, forKey: .recorded)
            try container.encode(exchangeStatus, forKey: .exchangeStatus)
            try container.encode(exchangeExecuted?.description, forKey: .exchangeExecuted)
        }
    }

    /// What the exchange answered when asked for one order by its client order id.
    public enum QueriedOrder: Sendable, Equatable {
        case found(BinanceOrder)
        case notFound
    }

    public var balances: [Balance]
    public var openOrders: [OpenOrder]
    public var workingOrders: [WorkingOrder]
    public var differences: [AccountDifference]
    public var inSync: Bool { differences.isEmpty }

    enum CodingKeys: String, CodingKey {
        case balances, differences
        case openOrders = "open_orders", workingOrders = "working_orders", inSync = "in_sync"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(inSync, forKey: .inSync)
        try container.encode(balances, forKey: .balances)
        try container.encode(openOrders, forKey: .openOrders)
        try container.encode(workingOrders, forKey: .workingOrders)
        try container.encode(differences, forKey: .differences)
    }

    /// Compares what the exchange reported with the books.
    /// - Parameters:
    ///   - symbols: exchangeInfo of the books' symbols, for their base and quote assets.
    ///   - queried: working orders the exchange was asked about one by one (those it no longer lists as open).
    public init(
        books: AccountBooks, symbols: [String: BinanceSymbolInfo], balances: [BinanceAccount.Balance], openOrders: [BinanceOrder],
        queried: [String: QueriedOrder]
    ) {
        var differences: [AccountDifference] = []

        // Balances: the quote asset holds the cash, each base asset the positions in it.
        var needed: [String: Decimal] = [:]
        var neededBy: [String: [String]] = [:]
        let quoteAssets = Set(books.symbols.compactMap { symbols[$0]?.quoteAsset })
        if quoteAssets.count == 1, let quote = quoteAssets.first {
            needed[quote] = books.cash
            neededBy[quote] = ["the cash Keelson trades with"]
        }
        for (symbol, quantity) in books.positions.sorted(by: { $0.key < $1.key }) where quantity > 0 {
            guard let base = symbols[symbol]?.baseAsset else { continue }
            needed[base, default: 0] += quantity
            neededBy[base, default: []].append("Keelson's \(symbol) position")
        }
        let tradedBases = books.symbols.compactMap { symbols[$0]?.baseAsset }
        let assets = quoteAssets.sorted() + Set(needed.keys).union(tradedBases).subtracting(quoteAssets).sorted()
        self.balances = assets.map { asset in
            let held = balances.first { $0.asset == asset }
            return Balance(
                asset: asset, free: held?.free ?? 0, locked: held?.locked ?? 0, books: needed[asset] ?? (tradedBases.contains(asset) ? 0 : nil))
        }
        for balance in self.balances where balance.shortfall > 0 {
            differences.append(
                AccountDifference(
                    kind: .balanceShortfall, subject: balance.asset,
                    detail: "the account holds \(balance.total) \(balance.asset) (\(balance.free) free, \(balance.locked) locked), "
                        + "less than the \(balance.books ?? 0) \(balance.asset) of \(neededBy[balance.asset, default: []].joined(separator: " and "))"
                ))
        }

        // Working orders: each as the exchange reports it, open or asked for.
        let open = Dictionary(openOrders.map { ($0.clientOrderId, $0) }, uniquingKeysWith: { first, _ in first })
        var workingOrders: [WorkingOrder] = []
        for order in books.workingOrders {
            let answer = open[order.clientOrderId].map(QueriedOrder.found) ?? queried[order.clientOrderId]
            var line = WorkingOrder(clientOrderId: order.clientOrderId, symbol: order.symbol, recorded: order.filledQuantity)
            switch answer {
            case .found(let exchangeOrder):
                line.exchangeStatus = exchangeOrder.status.rawValue
                line.exchangeExecuted = exchangeOrder.executedQty
                if exchangeOrder.executedQty > order.filledQuantity {
                    differences.append(
                        AccountDifference(
                            kind: .executionNotRecorded, subject: order.clientOrderId,
                            detail:
                                "order \(order.clientOrderId) (\(order.symbol)) executed \(exchangeOrder.executedQty) on the exchange (\(exchangeOrder.status.rawValue)); the books record \(order.filledQuantity)"
                        ))
                } else if exchangeOrder.status.isFinal {
                    differences.append(
                        AccountDifference(
                            kind: .orderEndedOnExchange, subject: order.clientOrderId,
                            detail:
                                "order \(order.clientOrderId) (\(order.symbol)) is \(exchangeOrder.status.rawValue) on the exchange; the books still count it as working"
                        ))
                }
            case .notFound:
                line.exchangeStatus = "not found"
                differences.append(
                    AccountDifference(
                        kind: .orderUnknownToExchange, subject: order.clientOrderId,
                        detail: "the exchange has no order \(order.clientOrderId) (\(order.symbol)); the books count it as working"
                    ))
            case nil:
                break
            }
            workingOrders.append(line)
        }
        self.workingOrders = workingOrders

        // Open orders on the exchange that the books do not know.
        let working = Set(books.workingOrders.map(\.clientOrderId))
        self.openOrders = openOrders.map { order in
            OpenOrder(
                clientOrderId: order.clientOrderId, symbol: order.symbol, side: order.side.rawValue, type: order.type.rawValue,
                quantity: order.origQty, executed: order.executedQty, knownToKeelson: working.contains(order.clientOrderId)
            )
        }
        for order in self.openOrders where !order.knownToKeelson {
            differences.append(
                AccountDifference(
                    kind: .orderUnknownToKeelson, subject: order.clientOrderId,
                    detail:
                        "the exchange works order \(order.clientOrderId) (\(order.side) \(order.type) \(order.quantity) \(order.symbol), \(order.executed) executed), which the books do not know"
                ))
        }
        self.differences = differences
    }
}
