import Foundation

/// Why a Coinbase request failed; one line, for logs and provider health.
public enum CoinbaseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Coinbase refused the request (4xx) with its `error` / `message`.
    case api(status: Int, error: String, message: String)
    case rateLimited(retryAfter: Duration?)
    /// A 5xx, a timeout or a lost connection: Coinbase is not serving candles now.
    case unavailable(detail: String)
    case malformedResponse(String)
    case circuitOpen(retryAt: Date)
    /// Coinbase has no candles of this length (it serves 1m, 5m, 15m, 30m, 1h, 2h, 6h and 1d).
    case unsupportedInterval(String)

    public var description: String {
        switch self {
        case .api(let status, let error, let message): "Coinbase refused the request (HTTP \(status), \(error)): \(message)"
        case .rateLimited(let retryAfter): "Coinbase rate limit hit (429)\(retryAfter.map { "; retry after \($0)" } ?? "")"
        case .unavailable(let detail): "Coinbase is not answering (\(detail)); retry later or fail over"
        case .malformedResponse(let detail): "Coinbase sent an answer that could not be read: \(detail)"
        case .circuitOpen(let retryAt): "Coinbase calls are paused after repeated server errors until \(retryAt.formatted(.iso8601))"
        case .unsupportedInterval(let interval): "Coinbase has no \(interval) candles; it serves 1m, 5m, 15m, 30m, 1h, 2h, 6h and 1d"
        }
    }
}
