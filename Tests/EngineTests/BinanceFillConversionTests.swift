import Foundation
import KeelsonDomain
import KeelsonExchanges
import KeelsonTrading
import Testing

@testable import EngineService

@Suite("Binance executions in the engine's accounting: commission as a quote-asset fee")
struct BinanceFillConversionTests {
    static let filters = BinanceSymbolFilters(
        symbol: "BTCUSDT", lotSize: .init(minQty: Decimal(string: "0.00001")!, maxQty: 9000, stepSize: Decimal(string: "0.00001")!)
    )
    static let conversion = BinanceFillConversion(baseAsset: "BTC", quoteAsset: "USDT", filters: filters, takerFeeRate: Decimal(string: "0.001")!)

    static func order(_ side: TradeSide, quantity: Decimal, filled: Decimal = 0, average: Decimal? = nil) -> BrokerOrder {
        BrokerOrder(
            clientOrderID: "k-sig-1", symbol: Symbol(rawValue: "BTCUSDT")!, side: side, quantity: quantity, cause: .signal, filledQuantity: filled,
            averageFillPrice: average,
            expectedPrice: 60_000, decidedAfterBar: .now, placedAt: .now, fillCount: 0, lastFillBar: nil, immediateFill: nil
        )
    }

    static func fill(_ json: String) throws -> BinanceFill {
        try JSONDecoder().decode(BinanceFill.self, from: Data(json.utf8))
    }

    @Test("a buy's commission in BTC: the position keeps what the account can sell, the fee is the rest at the fill's price")
    func baseCommission() throws {
        // Binance's recorded FULL answer: 0.00034 BTC at 58623.55, commission 0.00000034 BTC.
        let fill = try Self.fill(
            #"{"price":"58623.55000000","qty":"0.00034000","commission":"0.00000034","commissionAsset":"BTC","tradeId":269707612}"#)
        let execution = Self.conversion.execution(
            of: fill, order: Self.order(.buy, quantity: Decimal(string: "0.00034")!), time: .now, latencyMilliseconds: 12)
        #expect(execution.exchangeFillID == "trade-269707612")
        #expect(execution.quantity == Decimal(string: "0.00034")!)
        // 0.00033966 received, 0.00033 sellable at the 0.00001 step; 0.00001 BTC is fee: commission plus dust.
        #expect(execution.positionQuantity == Decimal(string: "0.00033")!)
        #expect(execution.fee == Decimal(string: "0.5862355")!)
        #expect(execution.commission?.description == "0.00000034 BTC")
        // Cash moves by exactly what the exchange took: position × price + fee = executed × price.
        #expect(execution.positionQuantity * execution.price + execution.fee == execution.quantity * execution.price)
        #expect(execution.slippageBps == Decimal(string: "-229.41")!)
    }

    @Test("a sell's commission in USDT is the fee; a commission in BNB is valued at the taker rate")
    func quoteAndThirdAsset() throws {
        let sell = Self.order(.sell, quantity: Decimal(string: "0.5")!)
        let inQuote = try Self.fill(#"{"price":"60000","qty":"0.5","commission":"30","commissionAsset":"USDT","tradeId":7}"#)
        let quoted = Self.conversion.execution(of: inQuote, order: sell, time: .now, latencyMilliseconds: 0)
        #expect(quoted.positionQuantity == Decimal(string: "0.5")!)
        #expect(quoted.fee == 30)
        let inBNB = try Self.fill(#"{"price":"60000","qty":"0.5","commission":"0.0375","commissionAsset":"BNB","tradeId":8}"#)
        let bnb = Self.conversion.execution(of: inBNB, order: Self.order(.buy, quantity: Decimal(string: "0.5")!), time: .now, latencyMilliseconds: 0)
        #expect(bnb.positionQuantity == Decimal(string: "0.5")!)
        #expect(bnb.fee == 30)
        #expect(bnb.commission?.description == "0.0375 BNB")
    }

    static func trade(id: Int64, quantity: String, price: String, commission: String, asset: String = "BTC") throws -> BinanceTrade {
        try JSONDecoder().decode(
            BinanceTrade.self,
            from: Data(
                """
                {"symbol":"BTCUSDT","id":\(id),"orderId":3753014780,"orderListId":-1,"price":"\(price)","qty":"\(quantity)",
                "quoteQty":"0","commission":"\(commission)","commissionAsset":"\(asset)","time":1712188830000,
                "isBuyer":true,"isMaker":false,"isBestMatch":true}
                """.utf8))
    }

    @Test("an order's trades (myTrades): those beyond the record, each with the commission charged, under the FULL answer's ids")
    func tradesBeyondRecorded() throws {
        let trades = [
            try Self.trade(id: 12, quantity: "0.3", price: "60100", commission: "0.000225"),
            try Self.trade(id: 11, quantity: "0.2", price: "60000", commission: "0.00015"),
            try Self.trade(id: 13, quantity: "0.5", price: "60200", commission: "0.000375"),
        ]
        let fresh = Self.conversion.executions(of: trades, beyondRecordedOf: Self.order(.buy, quantity: 1))
        #expect(fresh.map(\.exchangeFillID) == ["trade-11", "trade-12", "trade-13"], "oldest first")
        #expect(fresh.map(\.commission?.description) == ["0.00015 BTC", "0.000225 BTC", "0.000375 BTC"], "charged, not estimated")
        #expect(fresh[0].positionQuantity == Decimal(string: "0.19985")!)
        #expect(fresh[0].positionQuantity * fresh[0].price + fresh[0].fee == fresh[0].quantity * fresh[0].price)
        #expect(fresh[0].time == Date(timeIntervalSince1970: 1_712_188_830))

        // The first 0.5 is recorded (trades 11 and 12): only trade 13 is new; all recorded: nothing.
        let rest = Self.conversion.executions(of: trades, beyondRecordedOf: Self.order(.buy, quantity: 1, filled: Decimal(string: "0.5")!))
        #expect(rest.map(\.exchangeFillID) == ["trade-13"])
        #expect(Self.conversion.executions(of: trades, beyondRecordedOf: Self.order(.buy, quantity: 1, filled: 1)).isEmpty)

        // A record that ends inside a trade (an estimate covered part of it): its rest, the commission pro rata.
        let straddle = Self.conversion.executions(of: trades, beyondRecordedOf: Self.order(.buy, quantity: 1, filled: Decimal(string: "0.4")!))
        #expect(straddle.map(\.exchangeFillID) == ["trade-12", "trade-13"])
        #expect(straddle[0].quantity == Decimal(string: "0.1")!)
        #expect(straddle[0].commission?.amount == Decimal(string: "0.000075")!)
    }

    @Test("an order found by query: one execution for what it executed beyond what is recorded, the commission estimated, and none once recorded")
    func fromQuery() throws {
        let answer = try JSONDecoder().decode(
            BinanceOrder.self,
            from: Data(
                #"""
                {"symbol":"BTCUSDT","orderId":42,"clientOrderId":"k-sig-1","price":"0","origQty":"0.3","executedQty":"0.3","cummulativeQuoteQty":"18030",
                 "status":"FILLED","type":"MARKET","side":"BUY","time":1712188830000,"updateTime":1712188830000}
                """#.utf8))
        // 0.1 recorded at 60000 from the FULL answer before a crash; the rest is found by query.
        let order = Self.order(.buy, quantity: Decimal(string: "0.3")!, filled: Decimal(string: "0.1")!, average: 60_000)
        let execution = try #require(Self.conversion.executionBeyondRecorded(in: answer, order: order, time: .now))
        #expect(execution.exchangeFillID == "order-42-executed-0.3")
        #expect(execution.quantity == Decimal(string: "0.2")!)
        #expect(execution.price == 60_150)
        #expect(execution.positionQuantity == Decimal(string: "0.1998")!)
        #expect(execution.fee == Decimal(string: "12.03")!)
        #expect(execution.commission?.description == "0.0002 BTC (estimated)")
        var recorded = order
        recorded.filledQuantity = Decimal(string: "0.3")!
        #expect(Self.conversion.executionBeyondRecorded(in: answer, order: recorded, time: .now) == nil)
    }
}
