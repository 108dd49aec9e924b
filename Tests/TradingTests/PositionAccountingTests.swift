import Foundation
import KeelsonDomain
import KeelsonTrading
import Testing

@Suite("Position accounting")
struct PositionAccountingTests {
    let opened = utc(2024, 1, 1, 10)
    let closed = utc(2024, 1, 2, 15)

    func fill(_ orderID: Int64, _ side: TradeSide, _ quantity: String, at price: String, fee: String, time: Date? = nil, cause: OrderCause = .signal)
        -> FillInput
    {
        FillInput(orderID: orderID, side: side, quantity: dec(quantity), price: dec(price), fee: dec(fee), time: time ?? opened, cause: cause)
    }

    /// Buy 0.5 at 30000 (fee 15), sell 0.5 at 31000 (fee 15.5): cash −15015 then +15484.5; PnL 500 before fees,
    /// 469.5 after both.
    @Test func buyThenSell() throws {
        var position = Position(symbol: btc, entryOrderID: 1, openedAt: opened, stops: nil)
        let buy = try position.apply(fill(1, .buy, "0.5", at: "30000", fee: "15"))
        #expect(buy.cashDelta == dec("-15015"))
        #expect(buy.realizedPnlDelta == 0)
        #expect(buy.closedTrade == nil)
        #expect(position.quantity == dec("0.5"))
        #expect(position.averageEntryPrice == 30_000)
        #expect(position.marketValue(at: 30_500) == 15_250)
        #expect(position.unrealizedPnl(at: 30_500) == 250)

        let sell = try position.apply(fill(2, .sell, "0.5", at: "31000", fee: "15.5", time: closed, cause: .takeProfit))
        #expect(sell.cashDelta == dec("15484.5"))
        #expect(sell.realizedPnlDelta == 500)
        #expect(position.quantity == 0)
        #expect(position.realizedPnl == 500)

        let trade = try #require(sell.closedTrade)
        #expect(trade.symbol == btc)
        #expect(trade.quantity == dec("0.5"))
        #expect(trade.entryTime == opened)
        #expect(trade.entryPrice == 30_000)
        #expect(trade.exitTime == closed)
        #expect(trade.exitPrice == 31_000)
        #expect(trade.pnl == dec("469.5"))
        #expect(trade.fees == dec("30.5"))
        #expect(trade.exitReason == .takeProfit)
        #expect(trade.entryOrderID == 1)
        #expect(trade.exitOrderID == 2)
        // The trade's PnL is exactly what the cash did.
        #expect(buy.cashDelta + sell.cashDelta == trade.pnl)
    }

    /// 1 at 100 (fee 0.1) and 1 at 110 (fee 0.11): 2 at an average of 105, 0.21 of entry fees.
    @Test func twoBuysAverage() throws {
        var position = Position(symbol: btc, entryOrderID: 1, openedAt: opened, stops: nil)
        let first = try position.apply(fill(1, .buy, "1", at: "100", fee: "0.1"))
        let second = try position.apply(fill(1, .buy, "1", at: "110", fee: "0.11"))
        #expect(first.cashDelta == dec("-100.1"))
        #expect(second.cashDelta == dec("-110.11"))
        #expect(position.quantity == 2)
        #expect(position.averageEntryPrice == 105)
        #expect(position.entryQuantity == 2)
        #expect(position.entryFees == dec("0.21"))
        #expect(position.unrealizedPnl(at: 120) == 30)

        // Sold at 120: 2 × (120 − 105) = 30 before fees; 30 − 0.21 − 0.24 = 29.55 after.
        let sell = try position.apply(fill(2, .sell, "2", at: "120", fee: "0.24", time: closed, cause: .stopLoss))
        let trade = try #require(sell.closedTrade)
        #expect(trade.quantity == 2)
        #expect(trade.entryPrice == 105)
        #expect(trade.exitPrice == 120)
        #expect(trade.pnl == dec("29.55"))
        #expect(trade.fees == dec("0.45"))
        #expect(first.cashDelta + second.cashDelta + sell.cashDelta == trade.pnl)
    }

    /// Buy 1 at 100 (fee 0.1); sell 0.4 at 110 (fee 0.044): +4, no trade yet; sell 0.6 at 90 (fee 0.054): −6, and the
    /// trade: 1 in at 100, out at (44 + 54) / 1 = 98, PnL −2 − 0.1 − 0.098 = −2.198.
    @Test func partialExitsCloseOnTheLastOne() throws {
        var position = Position(symbol: btc, entryOrderID: 7, openedAt: opened, stops: nil)
        let buy = try position.apply(fill(7, .buy, "1", at: "100", fee: "0.1"))
        let first = try position.apply(fill(8, .sell, "0.4", at: "110", fee: "0.044", cause: .closeAll))
        #expect(first.cashDelta == dec("43.956"))
        #expect(first.realizedPnlDelta == 4)
        #expect(first.closedTrade == nil)
        #expect(position.quantity == dec("0.6"))
        #expect(position.averageEntryPrice == 100)

        let second = try position.apply(fill(9, .sell, "0.6", at: "90", fee: "0.054", time: closed, cause: .stopLoss))
        #expect(second.cashDelta == dec("53.946"))
        #expect(second.realizedPnlDelta == -6)
        let trade = try #require(second.closedTrade)
        #expect(trade.quantity == 1)
        #expect(trade.entryPrice == 100)
        #expect(trade.exitPrice == 98)
        #expect(trade.pnl == dec("-2.198"))
        #expect(trade.fees == dec("0.198"))
        #expect(trade.exitReason == .stopLoss)
        #expect(trade.entryOrderID == 7)
        #expect(trade.exitOrderID == 9)
        #expect(trade.exitTime == closed)
        #expect(buy.cashDelta + first.cashDelta + second.cashDelta == trade.pnl)
    }

    @Test func sellingMoreThanHeldThrows() throws {
        var position = Position(symbol: btc, entryOrderID: 1, openedAt: opened, stops: nil)
        #expect(throws: AccountingError.self) { try position.apply(fill(2, .sell, "0.1", at: "100", fee: "0")) }
        _ = try position.apply(fill(1, .buy, "1", at: "100", fee: "0.1"))
        let before = position
        let error = #expect(throws: AccountingError.self) { try position.apply(fill(2, .sell, "1.5", at: "100", fee: "0.15")) }
        #expect(error?.reason.contains("1.5") == true)
        #expect(error?.reason.contains("BTCUSDT") == true)
        // Nothing was applied.
        #expect(position == before)
    }

    /// Cash moves by exactly what each fill costs, so over a round trip the cash gained is the trade's PnL — also
    /// when the average entry price is not a terminating decimal: 1 at 100 and 2 at 101 average 302 / 3 =
    /// 100.666…; selling all 3 at 102 realises 306 − 302 = 4 before fees, 4 − 0.1 − 0.202 − 0.306 = 3.392 after,
    /// and the same when the 3 are sold in two parts (1 then 2), each carrying a rounded share of the cost.
    @Test(arguments: [
        [("buy", "0.5", "30000", "15"), ("sell", "0.5", "31000", "15.5")],
        [("buy", "1", "100", "0.1"), ("buy", "2", "101", "0.202"), ("sell", "3", "102", "0.306")],
        [("buy", "1", "100", "0.1"), ("buy", "2", "101", "0.202"), ("sell", "1", "102", "0.102"), ("sell", "2", "102", "0.204")],
        [
            ("buy", "0.08333", "30000.17", "0.0025"), ("buy", "0.04167", "30000.29", "0.00125"), ("sell", "0.1", "29850.01", "0.003"),
            ("sell", "0.025", "29990.7", "0.0007"),
        ],
    ])
    func roundTripCashEqualsTradePnl(fills: [(String, String, String, String)]) throws {
        let initialCash = dec("10000")
        var cash = initialCash
        var position = Position(symbol: btc, entryOrderID: 1, openedAt: opened, stops: nil)
        var trade: ClosedTrade?
        var grossEntry = Decimal(0)
        var grossExit = Decimal(0)
        var fees = Decimal(0)
        for (index, (side, quantity, price, fee)) in fills.enumerated() {
            let side = TradeSide(rawValue: side)!
            let effect = try position.apply(fill(Int64(index + 1), side, quantity, at: price, fee: fee))
            cash += effect.cashDelta
            if side == .buy { grossEntry += dec(quantity) * dec(price) } else { grossExit += dec(quantity) * dec(price) }
            fees += dec(fee)
            #expect((effect.closedTrade == nil) == (index < fills.count - 1))
            trade = effect.closedTrade ?? trade
        }
        let closedTrade = try #require(trade)
        #expect(cash == initialCash + closedTrade.pnl)
        #expect(closedTrade.pnl == grossExit - grossEntry - fees)
        #expect(closedTrade.fees == fees)
    }
}
