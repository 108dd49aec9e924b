import Foundation

/// A symbol's trading filters from exchangeInfo, and the rounding and checks an order must pass before it is
/// sent. Binance rejects an order breaking any of them with -1013 "Filter failure: <FILTER>"; checking here
/// first turns that round trip into a `BinanceFilterRejection` naming the filter. A field of 0 disables its rule.
public struct BinanceSymbolFilters: Sendable, Equatable {
    public struct PriceFilter: Sendable, Equatable {
        public var minPrice, maxPrice, tickSize: Decimal
        public init(minPrice: Decimal, maxPrice: Decimal, tickSize: Decimal) {
            (self.minPrice, self.maxPrice, self.tickSize) = (minPrice, maxPrice, tickSize)
        }
    }

    /// LOT_SIZE and MARKET_LOT_SIZE.
    public struct LotSize: Sendable, Equatable {
        public var minQty, maxQty, stepSize: Decimal
        public init(minQty: Decimal, maxQty: Decimal, stepSize: Decimal) {
            (self.minQty, self.maxQty, self.stepSize) = (minQty, maxQty, stepSize)
        }
    }

    public struct Notional: Sendable, Equatable {
        public var minNotional: Decimal
        public var applyMinToMarket: Bool
        public var maxNotional: Decimal
        public var applyMaxToMarket: Bool
        public var avgPriceMins: Int
        public init(minNotional: Decimal, applyMinToMarket: Bool, maxNotional: Decimal, applyMaxToMarket: Bool, avgPriceMins: Int) {
            self.minNotional = minNotional
            self.applyMinToMarket = applyMinToMarket
            self.maxNotional = maxNotional
            self.applyMaxToMarket = applyMaxToMarket
            self.avgPriceMins = avgPriceMins
        }
    }

    /// The older MIN_NOTIONAL filter, still sent for some symbols.
    public struct MinNotional: Sendable, Equatable {
        public var minNotional: Decimal
        public var applyToMarket: Bool
        public var avgPriceMins: Int
        public init(minNotional: Decimal, applyToMarket: Bool, avgPriceMins: Int) {
            (self.minNotional, self.applyToMarket, self.avgPriceMins) = (minNotional, applyToMarket, avgPriceMins)
        }
    }

    public var symbol: String
    public var price: PriceFilter?
    public var lotSize: LotSize?
    public var marketLotSize: LotSize?
    public var notional: Notional?
    public var minNotional: MinNotional?

    public init(
        symbol: String, price: PriceFilter? = nil, lotSize: LotSize? = nil, marketLotSize: LotSize? = nil, notional: Notional? = nil,
        minNotional: MinNotional? = nil
    ) {
        self.symbol = symbol
        self.price = price
        self.lotSize = lotSize
        self.marketLotSize = marketLotSize
        self.notional = notional
        self.minNotional = minNotional
    }

    init(symbol: String, _ raw: [BinanceRawFilter]) {
        self.init(symbol: symbol)
        for filter in raw {
            switch filter.filterType {
            case "PRICE_FILTER":
                price = PriceFilter(minPrice: filter.minPrice ?? 0, maxPrice: filter.maxPrice ?? 0, tickSize: filter.tickSize ?? 0)
            case "LOT_SIZE":
                lotSize = LotSize(minQty: filter.minQty ?? 0, maxQty: filter.maxQty ?? 0, stepSize: filter.stepSize ?? 0)
            case "MARKET_LOT_SIZE":
                marketLotSize = LotSize(minQty: filter.minQty ?? 0, maxQty: filter.maxQty ?? 0, stepSize: filter.stepSize ?? 0)
            case "NOTIONAL":
                notional = Notional(
                    minNotional: filter.minNotional ?? 0, applyMinToMarket: filter.applyMinToMarket ?? false,
                    maxNotional: filter.maxNotional ?? 0, applyMaxToMarket: filter.applyMaxToMarket ?? false, avgPriceMins: filter.avgPriceMins ?? 0
                )
            case "MIN_NOTIONAL":
                minNotional = MinNotional(
                    minNotional: filter.minNotional ?? 0, applyToMarket: filter.applyToMarket ?? false, avgPriceMins: filter.avgPriceMins ?? 0)
            default:
                continue  // PERCENT_PRICE, ICEBERG_PARTS, …: not checked before sending.
            }
        }
    }

    // MARK: Rounding

    /// The largest quantity not above `quantity` that is a whole number of steps (LOT_SIZE, or MARKET_LOT_SIZE
    /// for market orders when it sets a step). Rounding down never spends more than asked.
    public func roundQuantityDown(_ quantity: Decimal, forMarketOrder: Bool = false) -> Decimal {
        let step = forMarketOrder && (marketLotSize?.stepSize ?? 0) > 0 ? marketLotSize?.stepSize ?? 0 : lotSize?.stepSize ?? 0
        return quantity.rounded(toMultipleOf: step, .down)
    }

    /// `price` on the tick grid; down by default (a buy never pays more), `.up` for a sell that must not sell lower.
    public func roundPrice(_ price: Decimal, _ mode: Decimal.RoundingMode = .down) -> Decimal {
        price.rounded(toMultipleOf: self.price?.tickSize ?? 0, mode)
    }

    // MARK: Validation

    /// Checks an order against every filter Binance would apply; nil when it passes.
    /// - Parameters:
    ///   - price: the limit price; nil for a market order.
    ///   - marketPrice: the current (average) price, for market orders' notional checks; skipped when nil.
    public func rejection(quantity: Decimal, price: Decimal?, marketPrice: Decimal? = nil) -> BinanceFilterRejection? {
        let isMarket = price == nil
        if let price, let filter = self.price {
            if filter.minPrice > 0, price < filter.minPrice {
                return reject(.priceFilter, "price \(price) is below the minimum \(filter.minPrice)")
            }
            if filter.maxPrice > 0, price > filter.maxPrice {
                return reject(.priceFilter, "price \(price) is above the maximum \(filter.maxPrice)")
            }
            if filter.tickSize > 0, !(price - filter.minPrice).isMultiple(of: filter.tickSize) {
                return reject(.priceFilter, "price \(price) is not a multiple of the tick size \(filter.tickSize)")
            }
        }
        if let lotSize, let problem = Self.problem(quantity: quantity, lotSize) {
            return reject(.lotSize, problem)
        }
        if isMarket, let marketLotSize, let problem = Self.problem(quantity: quantity, marketLotSize) {
            return reject(.marketLotSize, problem)
        }
        guard let notionalPrice = price ?? marketPrice else { return nil }
        let value = notionalPrice * quantity
        if let notional {
            if notional.minNotional > 0, !isMarket || notional.applyMinToMarket, value < notional.minNotional {
                return reject(.notional, "order value \(value) is below the minimum \(notional.minNotional)")
            }
            if notional.maxNotional > 0, !isMarket || notional.applyMaxToMarket, value > notional.maxNotional {
                return reject(.notional, "order value \(value) is above the maximum \(notional.maxNotional)")
            }
        }
        if let minNotional, minNotional.minNotional > 0, !isMarket || minNotional.applyToMarket, value < minNotional.minNotional {
            return reject(.minNotional, "order value \(value) is below the minimum \(minNotional.minNotional)")
        }
        return nil
    }

    private func reject(_ filter: BinanceFilterRejection.Filter, _ detail: String) -> BinanceFilterRejection {
        BinanceFilterRejection(symbol: symbol, filter: filter, detail: detail)
    }

    private static func problem(quantity: Decimal, _ lot: LotSize) -> String? {
        if lot.minQty > 0, quantity < lot.minQty { return "quantity \(quantity) is below the minimum \(lot.minQty)" }
        if lot.maxQty > 0, quantity > lot.maxQty { return "quantity \(quantity) is above the maximum \(lot.maxQty)" }
        if lot.stepSize > 0, !(quantity - lot.minQty).isMultiple(of: lot.stepSize) {
            return "quantity \(quantity) is not a multiple of the step size \(lot.stepSize)"
        }
        return nil
    }
}

/// An order that would break one of a symbol's filters; `filter` is named as Binance names it.
public struct BinanceFilterRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Filter: String, Sendable, Equatable {
        case priceFilter = "PRICE_FILTER", lotSize = "LOT_SIZE", marketLotSize = "MARKET_LOT_SIZE"
        case notional = "NOTIONAL", minNotional = "MIN_NOTIONAL"
    }

    public var symbol: String
    public var filter: Filter
    public var detail: String

    public var description: String { "\(symbol) order breaks Binance's \(filter.rawValue) filter: \(detail)" }
}

extension BinanceError {
    /// The filter named by a -1013 "Filter failure: LOT_SIZE" refusal.
    public var rejectedFilter: BinanceFilterRejection.Filter? {
        guard case .api(-1013, let msg, _) = self, let range = msg.range(of: "Filter failure: ") else { return nil }
        return BinanceFilterRejection.Filter(rawValue: String(msg[range.upperBound...]).trimmingCharacters(in: .whitespaces))
    }
}

extension Decimal {
    /// A whole number of `step`s, rounded with `mode`; unchanged when `step` is 0 (the rule is disabled).
    func rounded(toMultipleOf step: Decimal, _ mode: Decimal.RoundingMode) -> Decimal {
        guard step > 0 else { return self }
        var steps = self / step
        var whole = Decimal()
        NSDecimalRound(&whole, &steps, 0, mode)
        return whole * step
    }

    func isMultiple(of step: Decimal) -> Bool {
        rounded(toMultipleOf: step, .down) == self
    }
}
