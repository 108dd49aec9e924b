import Foundation

/// Finds the account's trades that Keelson did not make, reading each traded symbol's new trades (`myTrades` from
/// the last id seen, weight 20 a symbol) at every comparison. A trade is Keelson's when its order's client order id
/// has Keelson's prefix (`k-`); orders are asked for once each by orderId (weight 4), and the orders Keelson placed
/// are told to the watch as their answers arrive, so its own trades cost no query.
///
/// The first comparison only notes where the trades end: trades made while no engine watched are not replayed as
/// findings (a restart would tell them again); what they did to the balances is what the comparison checks.
public struct ExternalTradeWatch: Sendable {
    /// Client order ids Keelson gives its orders start with this (`ClientOrderID`, and the CLI's manual orders).
    public static let keelsonPrefix = "k-"

    /// The next trade id to read, per symbol.
    private var nextTradeID: [String: Int64] = [:]
    /// Whether an exchange order is Keelson's, per orderId.
    private var keelsonOrders: [Int64: Bool] = [:]

    public init() {}

    /// An order Keelson placed (its answer arrived), so its trades are known to be Keelson's.
    public mutating func noteKeelsonOrder(_ orderId: Int64) {
        keelsonOrders[orderId] = true
    }

    /// The trades of `symbols` since the last call that belong to orders Keelson did not place, one difference each.
    /// Throws when the exchange cannot be asked; nothing is marked as read then, so the next call reads it again.
    public mutating func externalTrades(symbols: [String], client: BinanceRESTClient) async throws -> [AccountDifference] {
        var differences: [AccountDifference] = []
        for symbol in symbols {
            guard let from = nextTradeID[symbol] else {
                let newest = try await client.myTrades(symbol: symbol, limit: 1)
                nextTradeID[symbol] = (newest.last?.id).map { $0 + 1 } ?? 0
                continue
            }
            let trades = try await client.myTrades(symbol: symbol, fromId: from, limit: 1000)
            var found: [AccountDifference] = []
            for trade in trades {
                let (isKeelson, clientOrderId) = try await classify(trade, client: client)
                guard !isKeelson else { continue }
                let side = trade.isBuyer ? "BUY" : "SELL"
                found.append(
                    AccountDifference(
                        kind: .externalTrade, subject: "\(symbol) trade \(trade.id)",
                        detail:
                            "a \(side) of \(trade.qty) \(symbol) at \(trade.price) (trade \(trade.id), order \(clientOrderId ?? String(trade.orderId)), "
                            + "commission \(trade.commission) \(trade.commissionAsset)) was made outside Keelson; the books do not include it"
                    ))
            }
            differences += found
            if let last = trades.last { nextTradeID[symbol] = last.id + 1 }
        }
        return differences
    }

    private mutating func classify(_ trade: BinanceTrade, client: BinanceRESTClient) async throws -> (isKeelson: Bool, clientOrderId: String?) {
        if let known = keelsonOrders[trade.orderId] { return (known, nil) }
        let order = try await client.order(symbol: trade.symbol, orderId: trade.orderId)
        let isKeelson = order.clientOrderId.hasPrefix(Self.keelsonPrefix)
        keelsonOrders[trade.orderId] = isKeelson
        return (isKeelson, order.clientOrderId)
    }
}
