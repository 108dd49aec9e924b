import Foundation
import KeelsonDomain

/// The parts of `GET /api/v3/exchangeInfo` Keelson uses: the request-weight limit and each symbol's filters.
public struct BinanceExchangeInfo: Sendable, Equatable, Decodable {
    public var serverTime: Date?
    public var rateLimits: [BinanceRateLimit]
    public var symbols: [BinanceSymbolInfo]

    /// Request weight allowed per minute (REQUEST_WEIGHT per 1 MINUTE), when the exchange states it.
    public var requestWeightPerMinute: Int? {
        rateLimits.first { $0.rateLimitType == "REQUEST_WEIGHT" && $0.interval == "MINUTE" && $0.intervalNum == 1 }?.limit
    }

    enum CodingKeys: String, CodingKey { case serverTime, rateLimits, symbols }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        serverTime = try container.decodeFlexibleInt64IfPresent(forKey: .serverTime).map(Date.init(epochMilliseconds:))
        rateLimits = try container.decodeIfPresent([BinanceRateLimit].self, forKey: .rateLimits) ?? []
        symbols = try container.decode([BinanceSymbolInfo].self, forKey: .symbols)
    }
}

public struct BinanceRateLimit: Sendable, Equatable, Decodable {
    /// REQUEST_WEIGHT, ORDERS or RAW_REQUESTS.
    public var rateLimitType: String
    /// SECOND, MINUTE or DAY.
    public var interval: String
    public var intervalNum: Int
    public var limit: Int
}

public struct BinanceSymbolInfo: Sendable, Equatable, Decodable {
    public var symbol: String
    public var status: String
    public var baseAsset: String
    public var quoteAsset: String
    public var baseAssetPrecision: Int
    public var quoteAssetPrecision: Int
    public var orderTypes: [String]
    public var filters: BinanceSymbolFilters

    enum CodingKeys: String, CodingKey {
        case symbol, status, baseAsset, quoteAsset, baseAssetPrecision, quoteAssetPrecision, orderTypes, filters
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        symbol = try container.decode(String.self, forKey: .symbol)
        status = try container.decode(String.self, forKey: .status)
        baseAsset = try container.decode(String.self, forKey: .baseAsset)
        quoteAsset = try container.decode(String.self, forKey: .quoteAsset)
        baseAssetPrecision = try container.decodeIfPresent(Int.self, forKey: .baseAssetPrecision) ?? 8
        quoteAssetPrecision = try container.decodeIfPresent(Int.self, forKey: .quoteAssetPrecision) ?? 8
        orderTypes = try container.decodeIfPresent([String].self, forKey: .orderTypes) ?? []
        let rawFilters = try container.decodeIfPresent([BinanceRawFilter].self, forKey: .filters) ?? []
        filters = BinanceSymbolFilters(symbol: symbol, rawFilters)
    }
}

/// One entry of a symbol's `filters` array; which fields are set depends on `filterType`.
struct BinanceRawFilter: Decodable {
    var filterType: String
    var minPrice, maxPrice, tickSize: Decimal?
    var minQty, maxQty, stepSize: Decimal?
    var minNotional, maxNotional: Decimal?
    var applyMinToMarket, applyMaxToMarket, applyToMarket: Bool?
    var avgPriceMins: Int?

    enum CodingKeys: String, CodingKey {
        case filterType, minPrice, maxPrice, tickSize, minQty, maxQty, stepSize, minNotional, maxNotional
        case applyMinToMarket, applyMaxToMarket, applyToMarket, avgPriceMins
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        filterType = try container.decode(String.self, forKey: .filterType)
        minPrice = try container.decodeDecimalIfPresent(forKey: .minPrice)
        maxPrice = try container.decodeDecimalIfPresent(forKey: .maxPrice)
        tickSize = try container.decodeDecimalIfPresent(forKey: .tickSize)
        minQty = try container.decodeDecimalIfPresent(forKey: .minQty)
        maxQty = try container.decodeDecimalIfPresent(forKey: .maxQty)
        stepSize = try container.decodeDecimalIfPresent(forKey: .stepSize)
        minNotional = try container.decodeDecimalIfPresent(forKey: .minNotional)
        maxNotional = try container.decodeDecimalIfPresent(forKey: .maxNotional)
        applyMinToMarket = try container.decodeIfPresent(Bool.self, forKey: .applyMinToMarket)
        applyMaxToMarket = try container.decodeIfPresent(Bool.self, forKey: .applyMaxToMarket)
        applyToMarket = try container.decodeIfPresent(Bool.self, forKey: .applyToMarket)
        avgPriceMins = try container.decodeIfPresent(Int.self, forKey: .avgPriceMins)
    }
}
