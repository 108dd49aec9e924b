import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonTrading

/// How Binance's executions become the engine's: the quantity the order traded, the quantity the position
/// gains or loses, and a fee in the symbol's quote asset, which is what the engine's accounting counts.
///
/// Binance charges commission in the asset the account receives — the base asset on a buy, the quote asset on
/// a sell — or in BNB when the account pays fees with BNB.
/// - A quote-asset commission is the fee as it is.
/// - A base-asset commission on a buy leaves the account holding the executed quantity minus the commission.
///   The position gains what an exit can sell again: that remainder rounded down to the lot step. The fee is
///   the rest of what the buy cost, `(executed − position quantity) × price`: the commission plus a remainder
///   smaller than one lot step ("dust", which stays on the exchange outside Keelson's books), both valued at the
///   fill's price. Cash moves by exactly `executed × price`, the position is exactly what the account can sell,
///   and the order's filled quantity is still the exchange's executedQty.
/// - A commission in any other asset (BNB) is valued at the taker fee rate × notional: the engine keeps no BNB
///   price, and the BNB balance is outside its books.
///
/// An order found by query or cancel (those answers carry no fills) is settled from its trades (myTrades): each
/// trade beyond what the engine recorded is one execution with its real commission. Only when the trades cannot
/// be read, or do not yet add up to what the order executed, is it one execution for what it executed beyond the
/// record, at that part's average price, with the commission estimated as Binance charges it by default: the taker
/// fee rate, in the asset received, to 8 decimals (marked as an estimate).
struct BinanceFillConversion: Sendable {
    var baseAsset: String
    var quoteAsset: String
    var filters: BinanceSymbolFilters
    var takerFeeRate: Decimal

    /// One fill of a FULL answer; its trade id makes a replayed answer recognisable.
    func execution(of fill: BinanceFill, order: BrokerOrder, time: Date, latencyMilliseconds: Double) -> BrokerExecution {
        execution(
            tradeID: fill.tradeId, quantity: fill.qty, price: fill.price,
            commission: BrokerCommission(amount: fill.commission, asset: fill.commissionAsset, estimated: false), order: order, time: time,
            latencyMilliseconds: latencyMilliseconds)
    }

    /// `order`'s trades (myTrades) beyond what the engine recorded: the first `filledQuantity` of them in trade order
    /// are recorded already; each later one is an execution with the commission the exchange charged for it, under
    /// the same id as the fill of a FULL answer (`trade-<id>`), so a trade can never be recorded twice.
    func executions(of trades: [BinanceTrade], beyondRecordedOf order: BrokerOrder) -> [BrokerExecution] {
        var recorded = order.filledQuantity
        var executions: [BrokerExecution] = []
        for trade in trades.sorted(by: { $0.id < $1.id }) where trade.symbol == order.symbol.rawValue {
            guard recorded < trade.qty else {
                recorded -= trade.qty
                continue
            }
            // A trade the books hold part of (an estimate recorded it with others): its rest, commission pro rata.
            let quantity = trade.qty - recorded
            let amount = recorded == 0 ? trade.commission : (trade.commission * quantity / trade.qty).rounded(scale: 8, .down)
            recorded = 0
            executions.append(
                execution(
                    tradeID: trade.id, quantity: quantity, price: trade.price,
                    commission: BrokerCommission(amount: amount, asset: trade.commissionAsset, estimated: false), order: order, time: trade.time,
                    latencyMilliseconds: 0))
        }
        return executions
    }

    private func execution(
        tradeID: Int64, quantity: Decimal, price: Decimal, commission: BrokerCommission, order: BrokerOrder, time: Date, latencyMilliseconds: Double
    ) -> BrokerExecution {
        let (positionQuantity, fee) = positionQuantityAndFee(side: order.side, quantity: quantity, price: price, commission: commission)
        return BrokerExecution(
            clientOrderID: order.clientOrderID, exchangeFillID: "trade-\(tradeID)", quantity: quantity, positionQuantity: positionQuantity,
            price: price, referencePrice: order.expectedPrice ?? price, fee: fee, commission: commission,
            slippageBps: Self.slippageBps(side: order.side, price: price, reference: order.expectedPrice ?? price),
            latencyMilliseconds: latencyMilliseconds, time: time, bar: nil
        )
    }

    /// What `answer` executed beyond what the engine recorded of `order`; nil when nothing. Identified by how
    /// much the order had executed in total, so asking again after it is recorded adds nothing.
    func executionBeyondRecorded(in answer: BinanceOrder, order: BrokerOrder, time: Date) -> BrokerExecution? {
        let quantity = answer.executedQty - order.filledQuantity
        guard quantity > 0 else { return nil }
        let recordedQuote = (order.averageFillPrice ?? 0) * order.filledQuantity
        let price = ((answer.cumulativeQuoteQty - recordedQuote) / quantity).rounded(scale: 8)
        let commission =
            order.side == .buy
            ? BrokerCommission(amount: (quantity * takerFeeRate).rounded(scale: 8, .down), asset: baseAsset, estimated: true)
            : BrokerCommission(amount: (quantity * price * takerFeeRate).rounded(scale: 8, .down), asset: quoteAsset, estimated: true)
        let (positionQuantity, fee) = positionQuantityAndFee(side: order.side, quantity: quantity, price: price, commission: commission)
        return BrokerExecution(
            clientOrderID: order.clientOrderID, exchangeFillID: "order-\(answer.orderId)-executed-\(answer.executedQty)", quantity: quantity,
            positionQuantity: positionQuantity, price: price, referencePrice: order.expectedPrice ?? price, fee: fee, commission: commission,
            slippageBps: Self.slippageBps(side: order.side, price: price, reference: order.expectedPrice ?? price), latencyMilliseconds: 0,
            time: time,
            bar: nil
        )
    }

    private func positionQuantityAndFee(side: TradeSide, quantity: Decimal, price: Decimal, commission: BrokerCommission) -> (Decimal, Decimal) {
        switch commission.asset {
        case quoteAsset:
            return (quantity, commission.amount)
        case baseAsset where side == .buy:
            let received = quantity - commission.amount
            let sellable = filters.roundQuantityDown(received, forMarketOrder: true)
            let held = sellable > 0 ? sellable : received
            return (held, (quantity - held) * price)
        case baseAsset:
            return (quantity, commission.amount * price)
        default:
            return (quantity, (quantity * price * takerFeeRate).rounded(scale: 8, .up))
        }
    }

    /// How much worse than `reference` the fill was, in basis points (negative: better).
    static func slippageBps(side: TradeSide, price: Decimal, reference: Decimal) -> Decimal {
        guard reference > 0 else { return 0 }
        let against = side == .buy ? price - reference : reference - price
        return (against / reference * 10_000).rounded(scale: 2)
    }
}
