import Foundation

/// Why a Binance request failed. Descriptions are one line and never contain the API key or secret.
public enum BinanceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The exchange answered with an error body `{"code","msg"}` (a 4xx: the request was refused, nothing happened).
    case api(code: Int, msg: String, status: Int)
    /// 429: too much request weight; nothing more is sent to this exchange until `retryAfter` has passed.
    case rateLimited(retryAfter: Duration)
    /// 418: this IP is banned; every request to the exchange fails at once until `until`.
    case banned(until: Date)
    /// 5xx, a timeout, or a connection lost after the request was sent: an order may or may not have been
    /// executed. Query it by its client order id before deciding anything.
    case executionStatusUnknown(detail: String)
    /// A read request got a 5xx, timed out or lost its connection: the exchange is not serving it now.
    case unavailable(detail: String)
    /// The connection could not be opened, so the request was never sent.
    case unreachable(detail: String)
    /// The answer was not what the API documents (not JSON, missing fields, an unexpected status).
    case malformedResponse(String)
    /// Too many server errors in a row: the circuit breaker stops calls to the exchange until `retryAt`.
    case circuitOpen(retryAt: Date)
    /// A signed endpoint was called by a client built without credentials.
    case missingCredentials
    /// The request was not sent because an argument is not valid (e.g. an order without a quantity).
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .api(let code, let msg, let status):
            "Binance refused the request (HTTP \(status), code \(code)): \(msg)"
        case .rateLimited(let retryAfter):
            "Binance rate limit hit (429); requests resume after \(retryAfter)"
        case .banned(let until):
            "Binance banned this IP (418) until \(until.formatted(.iso8601)); no request is sent before then"
        case .executionStatusUnknown(let detail):
            "Binance order status unknown (\(detail)); query the order by its client order id before acting"
        case .unavailable(let detail):
            "Binance is not answering this request (\(detail)); retry later or fail over"
        case .unreachable(let detail):
            "Binance could not be reached, the request was not sent: \(detail)"
        case .malformedResponse(let detail):
            "Binance sent an answer that could not be read: \(detail)"
        case .circuitOpen(let retryAt):
            "Binance calls are paused after repeated server errors; the circuit breaker retries at \(retryAt.formatted(.iso8601))"
        case .missingCredentials:
            "this Binance endpoint needs an API key and secret, and the client has none"
        case .invalidRequest(let detail):
            "the Binance request was not sent: \(detail)"
        }
    }

    /// Binance's code when the exchange refused the request, e.g. -1013 for a filter failure.
    public var apiCode: Int? {
        if case .api(let code, _, _) = self { code } else { nil }
    }
}
