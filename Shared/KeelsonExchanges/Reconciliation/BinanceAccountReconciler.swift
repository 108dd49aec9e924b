import Foundation

/// Asks Binance what the account holds and works — balances, every open order, and each order the books still
/// count as working but the exchange no longer lists as open — and compares it with the books. Read-only: it
/// changes nothing on the exchange or in the books.
public struct BinanceAccountReconciler: Sendable {
    public let client: BinanceRESTClient

    public init(client: BinanceRESTClient) {
        self.client = client
    }

    /// - Parameter queryingWorkingOrders: ask for each working order missing from the open orders (weight 4
    ///   each), to tell one that executed from one the exchange never had. The engine passes false: it has
    ///   already settled each of its orders by query.
    public func compare(with books: AccountBooks, queryingWorkingOrders: Bool = true) async throws -> AccountComparison {
        let names = books.allSymbols
        let listed = names.isEmpty ? [] : try await client.exchangeInfo(symbols: names).symbols
        let account = try await client.account()
        let open = try await client.openOrders()
        var queried: [String: AccountComparison.QueriedOrder] = [:]
        if queryingWorkingOrders {
            let openIDs = Set(open.map(\.clientOrderId))
            for order in books.workingOrders where !openIDs.contains(order.clientOrderId) {
                do {
                    queried[order.clientOrderId] = .found(try await client.order(symbol: order.symbol, clientOrderId: order.clientOrderId))
                } catch let error as BinanceError where error.apiCode == BinanceError.noSuchOrderCode {
                    queried[order.clientOrderId] = .notFound
                }
            }
        }
        return AccountComparison(
            books: books, symbols: Dictionary(listed.map { ($0.symbol, $0) }, uniquingKeysWith: { first, _ in first }),
            balances: account.balances, openOrders: open, queried: queried
        )
    }
}

extension BinanceError {
    /// -2013 "Order does not exist.": the answer to a query for a client order id the exchange never saw.
    public static let noSuchOrderCode = -2013
    /// -2011 "Unknown order sent.": a cancel of an order that is not open (ended, or never placed).
    public static let cancelRejectedCode = -2011
}
