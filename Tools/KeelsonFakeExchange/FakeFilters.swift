import Foundation

/// The filter checks Binance applies to a new order, in its order, failing with -1013 "Filter failure: NAME".
/// Written separately from the client's `BinanceSymbolFilters` on purpose: the fake checks the client.
enum FakeFilters {
    static func check(_ request: FakeOrderRequest, marketPrice: Decimal) throws(FakeBinanceError) {
        let symbol = request.symbol
        for price in [request.type == "MARKET" ? nil : request.price, request.stopPrice].compactMap({ $0 }) {
            if symbol.minPrice > 0, price < symbol.minPrice { throw .filterFailure("PRICE_FILTER") }
            if symbol.maxPrice > 0, price > symbol.maxPrice { throw .filterFailure("PRICE_FILTER") }
            if symbol.tickSize > 0, (price - symbol.minPrice).roundedDown(to: symbol.tickSize) != price - symbol.minPrice {
                throw .filterFailure("PRICE_FILTER")
            }
        }
        let quantity: Decimal
        if let given = request.quantity {
            quantity = given
            if symbol.minQty > 0, quantity < symbol.minQty { throw .filterFailure("LOT_SIZE") }
            if symbol.maxQty > 0, quantity > symbol.maxQty { throw .filterFailure("LOT_SIZE") }
            if symbol.stepSize > 0, (quantity - symbol.minQty).roundedDown(to: symbol.stepSize) != quantity - symbol.minQty {
                throw .filterFailure("LOT_SIZE")
            }
        } else {
            quantity = ((request.quoteOrderQuantity ?? 0) / marketPrice).roundedDown(to: symbol.stepSize)
            if quantity <= 0 { throw .filterFailure("LOT_SIZE") }
        }
        let isMarket = request.type == "MARKET"
        let notional = (isMarket ? marketPrice : request.price ?? marketPrice) * quantity
        if symbol.minNotional > 0, !isMarket || symbol.applyMinToMarket, notional < symbol.minNotional { throw .filterFailure("NOTIONAL") }
        if symbol.maxNotional > 0, !isMarket || symbol.applyMaxToMarket, notional > symbol.maxNotional { throw .filterFailure("NOTIONAL") }
    }
}
