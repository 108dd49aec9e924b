import Foundation

/// How the next order request goes wrong. Either way the order IS executed: the client cannot know it.
public enum FakeOrderFault: Sendable, Equatable {
    /// Answer with this 5xx status and an HTML page (as a load balancer would) or an empty body.
    case serverError(status: Int, htmlBody: Bool)
    /// Answer correctly, but only after this delay (longer than the client's timeout).
    case delayedAnswer(Duration)
}

/// Whose market-data endpoints an outage hits.
public enum FakeMarketDataSource: String, Sendable, Codable, CaseIterable {
    /// `/api/v3/klines` and new kline stream connections.
    case binance
    /// The Coinbase candles endpoint.
    case coinbase
}

/// A request the fake received (control requests under `/fake/` are not recorded).
public struct FakeRecordedRequest: Sendable, Codable, Equatable {
    public var method: String
    public var path: String
    /// The raw query string, including the signature of a signed request.
    public var query: String
    /// Whether an `X-MBX-APIKEY` header was sent (the key itself is not kept).
    public var hasAPIKey: Bool
    public var status: Int
    public var time: Date

    enum CodingKeys: String, CodingKey {
        case method, path, query, status, time
        case hasAPIKey = "has_api_key"
    }
}
