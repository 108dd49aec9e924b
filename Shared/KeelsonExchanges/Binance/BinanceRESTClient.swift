import AsyncHTTPClient
import Foundation
import KeelsonDomain
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import Synchronization

/// Binance spot REST: market data, orders and the account. Every request goes through the exchange's shared
/// `ExchangeAccess` — its request-weight budget (reserved before sending, corrected from the exchange's
/// `X-MBX-USED-WEIGHT-1M`) and its circuit breaker — so market data and trading in one process never add up to
/// a 429 or a ban. Methods throw `BinanceError` (or `CancellationError`).
///
/// Orders: a 5xx, a timeout or a lost connection after sending throws `.executionStatusUnknown`; the order may
/// exist. Query it with `order(symbol:clientOrderId:)` before deciding anything — never simply resend.
public struct BinanceRESTClient: Sendable {
    public static let productionURL = "https://api.binance.com"
    public static let testnetURL = "https://testnet.binance.vision"

    public let baseURL: String
    public let access: ExchangeAccess
    let credentials: BinanceCredentials?
    let httpClient: HTTPClient
    /// Binance's recvWindow in milliseconds (at most 60000).
    let recvWindow: Int
    let timeout: Duration
    /// How often a request that got a 429 waits its Retry-After and tries again before giving up.
    let rateLimitRetries: Int
    let logger: Logger
    let now: @Sendable () -> Date
    private let clockOffset: ClockOffset
    /// Largest answer read; a full exchangeInfo is a few megabytes.
    static let maxResponseBytes = 32 * 1024 * 1024

    /// - Parameters:
    ///   - baseURL: `productionURL`, `testnetURL`, or a fake exchange's URL.
    ///   - credentials: needed for orders and the account only.
    ///   - access: the exchange's budget and breaker; by default the process-wide one for `baseURL`'s host,
    ///     which is what every client of the same exchange must share.
    ///   - now: the local clock for request timestamps (tests skew it).
    public init(
        baseURL: String, credentials: BinanceCredentials? = nil, httpClient: HTTPClient, access: ExchangeAccess? = nil,
        recvWindow: Int = 5000, timeout: Duration = .seconds(10), rateLimitRetries: Int = 2,
        logger: Logger = Logger(label: "keelson.exchange.binance"), now: @escaping @Sendable () -> Date = { .now }
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.credentials = credentials
        self.httpClient = httpClient
        self.access = access ?? ExchangeAccessRegistry.access(for: baseURL)
        self.recvWindow = min(max(recvWindow, 1), 60_000)
        self.timeout = timeout
        self.rateLimitRetries = max(0, rateLimitRetries)
        self.logger = logger
        self.now = now
        self.clockOffset = ClockOffset()
    }

    // MARK: Market data

    public func ping() async throws {
        _ = try await send(.GET, "/api/v3/ping", weight: 1)
    }

    public func serverTime() async throws -> Date {
        struct ServerTime: Decodable { var serverTime: Int64 }
        return Date(epochMilliseconds: try await decode(ServerTime.self, from: send(.GET, "/api/v3/time", weight: 1)).serverTime)
    }

    /// Measures the difference between the exchange's clock and ours, and signs later requests with the
    /// exchange's time, so a drifting local clock does not cause -1021. Returns the offset applied.
    @discardableResult
    public func synchronizeClock() async throws -> TimeInterval {
        let before = now()
        let server = try await serverTime()
        let after = now()
        let offset = server.timeIntervalSince(before.addingTimeInterval(after.timeIntervalSince(before) / 2))
        clockOffset.set(offset)
        return offset
    }

    /// Symbols, filters and rate limits; also sets the shared budget's weight limit from REQUEST_WEIGHT.
    public func exchangeInfo(symbols: [String] = []) async throws -> BinanceExchangeInfo {
        var query = BinanceQuery()
        if symbols.count == 1 {
            query.append("symbol", symbols[0])
        } else if symbols.count > 1 {
            query.append("symbols", "[" + symbols.map { "\"\($0)\"" }.joined(separator: ",") + "]")
        }
        let info = try await decode(BinanceExchangeInfo.self, from: send(.GET, "/api/v3/exchangeInfo", query: query, weight: 20))
        if let limit = info.requestWeightPerMinute { await access.budget.setWeightLimit(limit) }
        return info
    }

    /// One page of klines (at most `limit`, ≤ 1000), oldest first. The last one may still be forming
    /// (`BinanceKline.isClosed(at:)`).
    public func klines(symbol: String, interval: String, startTime: Date? = nil, endTime: Date? = nil, limit: Int? = nil) async throws
        -> [BinanceKline]
    {
        let query = BinanceQuery([
            ("symbol", symbol), ("interval", interval),
            ("startTime", startTime.map { String($0.epochMilliseconds) }), ("endTime", endTime.map { String($0.epochMilliseconds) }),
            ("limit", limit.map { String(min(max($0, 1), 1000)) }),
        ])
        return try await decode([BinanceKline].self, from: send(.GET, "/api/v3/klines", query: query, weight: 2))
    }

    /// Every kline with open time in `[from, to)`, oldest first, fetched 1000 at a time.
    public func klines(symbol: String, interval: CandleInterval, from: Date, to: Date) async throws -> [BinanceKline] {
        var result: [BinanceKline] = []
        var cursor = from
        let lastMillisecond = Date(epochMilliseconds: to.epochMilliseconds - 1)
        while cursor < to {
            let page = try await klines(symbol: symbol, interval: interval.binanceInterval, startTime: cursor, endTime: lastMillisecond, limit: 1000)
            result += page.filter { $0.openTime >= cursor && $0.openTime < to }
            guard page.count == 1000, let last = page.last else { break }
            cursor = last.openTime.addingTimeInterval(TimeInterval(interval.seconds))
        }
        return result
    }

    // MARK: Trading (signed)

    /// Places an order and returns the FULL answer: status, executed quantity and the fills with their
    /// commission. See the type's note on `.executionStatusUnknown`.
    public func placeOrder(_ order: BinanceNewOrder) async throws -> BinanceOrder {
        let query = try order.parameters()
        return try await decode(
            BinanceOrder.self, from: send(.POST, "/api/v3/order", query: query, weight: 1, signed: true, mutating: true), mutating: true)
    }

    /// Places an OCO list (weight 1): both legs rest until one executes and the other expires.
    public func placeOrderList(_ oco: BinanceNewOCO) async throws -> BinanceOrderList {
        try await decode(
            BinanceOrderList.self,
            from: send(.POST, "/api/v3/orderList/oco", query: oco.parameters(), weight: 1, signed: true, mutating: true), mutating: true)
    }

    /// Cancels every leg of an OCO list (throws `.api(code: -2011, …)` when none is open).
    public func cancelOrderList(symbol: String, listClientOrderId: String) async throws -> BinanceOrderList {
        let query = BinanceQuery([("symbol", symbol), ("listClientOrderId", listClientOrderId)])
        return try await decode(
            BinanceOrderList.self, from: send(.DELETE, "/api/v3/orderList", query: query, weight: 1, signed: true, mutating: true), mutating: true)
    }

    /// The order placed with `clientOrderId` (throws `.api(code: -2013, …)` when there is none).
    public func order(symbol: String, clientOrderId: String) async throws -> BinanceOrder {
        let query = BinanceQuery([("symbol", symbol), ("origClientOrderId", clientOrderId)])
        return try await decode(BinanceOrder.self, from: send(.GET, "/api/v3/order", query: query, weight: 4, signed: true))
    }

    public func order(symbol: String, orderId: Int64) async throws -> BinanceOrder {
        let query = BinanceQuery([("symbol", symbol), ("orderId", String(orderId))])
        return try await decode(BinanceOrder.self, from: send(.GET, "/api/v3/order", query: query, weight: 4, signed: true))
    }

    /// Cancels an open order (throws `.api(code: -2011, …)` when it is unknown or already final).
    public func cancelOrder(symbol: String, clientOrderId: String) async throws -> BinanceOrder {
        let query = BinanceQuery([("symbol", symbol), ("origClientOrderId", clientOrderId)])
        return try await decode(
            BinanceOrder.self, from: send(.DELETE, "/api/v3/order", query: query, weight: 1, signed: true, mutating: true), mutating: true)
    }

    /// Open orders of one symbol, or of all symbols when nil (much heavier: weight 80 instead of 6).
    public func openOrders(symbol: String? = nil) async throws -> [BinanceOrder] {
        let query = BinanceQuery([("symbol", symbol)])
        return try await decode(
            [BinanceOrder].self, from: send(.GET, "/api/v3/openOrders", query: query, weight: symbol == nil ? 80 : 6, signed: true))
    }

    /// The account's trades of `symbol`, oldest first: of one order (weight 5), or from a trade id, or in a time
    /// range of at most 24 hours (weight 20); without any of them, the newest. At most `limit` (≤ 1000, default 500).
    public func myTrades(
        symbol: String, orderId: Int64? = nil, startTime: Date? = nil, endTime: Date? = nil, fromId: Int64? = nil, limit: Int? = nil
    ) async throws -> [BinanceTrade] {
        let query = BinanceQuery([
            ("symbol", symbol), ("orderId", orderId.map(String.init)), ("startTime", startTime.map { String($0.epochMilliseconds) }),
            ("endTime", endTime.map { String($0.epochMilliseconds) }), ("fromId", fromId.map(String.init)), ("limit", limit.map(String.init)),
        ])
        return try await decode(
            [BinanceTrade].self, from: send(.GET, "/api/v3/myTrades", query: query, weight: orderId == nil ? 20 : 5, signed: true))
    }

    public func account() async throws -> BinanceAccount {
        try await decode(BinanceAccount.self, from: send(.GET, "/api/v3/account", weight: 20, signed: true))
    }

    // MARK: Sending

    /// Sends one request through the breaker and the budget; returns the body of a 2xx answer.
    /// - Parameter mutating: the request changes state on the exchange (new order, cancel), so a failure after
    ///   sending leaves its outcome unknown.
    func send(_ method: HTTPMethod, _ path: String, query: BinanceQuery = BinanceQuery(), weight: Int, signed: Bool = false, mutating: Bool = false)
        async throws -> ByteBuffer
    {
        if let wait = await access.breaker.waitBeforeCalling() {
            throw BinanceError.circuitOpen(retryAt: Date.now.addingTimeInterval(wait))
        }
        var rateLimitedAttempts = 0
        while true {
            let reservation: ExchangeRequestBudget.Reservation
            do {
                reservation = try await access.budget.reserve(weight: weight)
            } catch let refusal as ExchangeBudgetRefusal {
                switch refusal {
                case .banned(let until): throw BinanceError.banned(until: until)
                case .rateLimited(let until): throw BinanceError.rateLimited(retryAfter: .seconds(max(0, until.timeIntervalSinceNow)))
                }
            }
            let response: (status: Int, headers: HTTPHeaders, body: ByteBuffer)
            do {
                response = try await execute(method, path, query: try signedIfNeeded(query, signed: signed))
            } catch let error as BinanceError {
                await access.budget.complete(reservation, reportedUsedWeight: nil)
                throw error
            } catch {
                await access.budget.complete(reservation, reportedUsedWeight: nil)
                let failure = Self.transportFailure(error, mutating: mutating)
                if case .some(.cancelled) = failure { throw CancellationError() }
                guard case .some(.failed(let binanceError)) = failure else { throw error }
                await access.breaker.recordFailure()
                logger.warning("binance request failed", metadata: ["path": "\(path)", "error": "\(binanceError)"])
                throw binanceError
            }
            let usedWeight = response.headers.first(name: "X-MBX-USED-WEIGHT-1M").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            await access.budget.complete(reservation, reportedUsedWeight: usedWeight)
            let retryAfter = response.headers.first(name: "Retry-After").flatMap { TimeInterval($0.trimmingCharacters(in: .whitespaces)) }
            switch response.status {
            case 200..<300:
                await access.breaker.recordSuccess()
                return response.body
            case 418:
                let seconds = retryAfter ?? 120
                await access.budget.recordBan(retryAfter: seconds)
                logger.critical("binance banned this IP", metadata: ["until": "\(Date.now.addingTimeInterval(seconds).formatted(.iso8601))"])
                throw BinanceError.banned(until: await access.budget.banEnd() ?? Date.now.addingTimeInterval(seconds))
            case 429:
                // A 429 is a refusal: the request did nothing, so even an order may be sent again after the wait.
                let seconds = retryAfter ?? 60
                await access.budget.recordRateLimited(retryAfter: seconds)
                logger.warning("binance rate limit hit", metadata: ["retry_after": "\(seconds)", "path": "\(path)"])
                guard rateLimitedAttempts < rateLimitRetries else {
                    throw BinanceError.rateLimited(retryAfter: .milliseconds(Int64(seconds * 1000)))
                }
                rateLimitedAttempts += 1
            case 500...:
                await access.breaker.recordFailure()
                let detail = "HTTP \(response.status)"
                throw mutating ? BinanceError.executionStatusUnknown(detail: detail) : BinanceError.unavailable(detail: detail)
            default:
                // The exchange answered: it is up, whatever it thought of the request.
                await access.breaker.recordSuccess()
                struct ErrorBody: Decodable { var code: Int; var msg: String }
                guard let error = try? JSONDecoder().decode(ErrorBody.self, from: response.body) else {
                    throw BinanceError.malformedResponse("HTTP \(response.status) with body \(String(buffer: response.body).prefix(200))")
                }
                throw BinanceError.api(code: error.code, msg: error.msg, status: response.status)
            }
        }
    }

    private func signedIfNeeded(_ query: BinanceQuery, signed: Bool) throws -> (query: String, apiKey: String?) {
        guard signed else { return (query.encoded, nil) }
        guard let credentials else { throw BinanceError.missingCredentials }
        var query = query
        query.append("recvWindow", String(recvWindow))
        query.append("timestamp", String(now().addingTimeInterval(clockOffset.get()).epochMilliseconds))
        let encoded = query.encoded
        return (encoded + "&signature=" + credentials.signer.signature(query: encoded), credentials.apiKey)
    }

    private func execute(_ method: HTTPMethod, _ path: String, query: (query: String, apiKey: String?)) async throws -> (
        status: Int, headers: HTTPHeaders, body: ByteBuffer
    ) {
        var request = HTTPClientRequest(url: baseURL + path + (query.query.isEmpty ? "" : "?" + query.query))
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let apiKey = query.apiKey { request.headers.add(name: "X-MBX-APIKEY", value: apiKey) }
        let deadline = TimeAmount.nanoseconds(timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        let response = try await httpClient.execute(request, timeout: deadline, logger: logger)
        let body = try await response.body.collect(upTo: Self.maxResponseBytes)
        logger.debug("binance answered", metadata: ["method": "\(method.rawValue)", "path": "\(path)", "status": "\(response.status.code)"])
        return (Int(response.status.code), response.headers, body)
    }

    enum TransportFailure {
        case cancelled
        case failed(BinanceError)
    }

    /// Sorts a transport error: never connected (the request was not sent), or lost after it may have been.
    static func transportFailure(_ error: any Error, mutating: Bool) -> TransportFailure? {
        if error is CancellationError { return .cancelled }
        let neverSent: Bool
        switch error {
        case let error as HTTPClientError where error == .connectTimeout: neverSent = true
        case is NIOConnectionError: neverSent = true
        case let error as IOError where error.errnoCode == ECONNREFUSED: neverSent = true
        case let error as HTTPClientError where error == .cancelled: return .cancelled
        default: neverSent = false
        }
        let detail: String
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            detail = "no answer in time"
        } else {
            detail = String(describing: error).prefix(200).description
        }
        if neverSent { return .failed(.unreachable(detail: detail)) }
        return .failed(mutating ? .executionStatusUnknown(detail: detail) : .unavailable(detail: detail))
    }

    func decode<Value: Decodable>(_ type: Value.Type, from body: ByteBuffer, mutating: Bool = false) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch {
            let detail = "\(Value.self): \(Self.describe(error)); body starts \(String(buffer: body).prefix(120))"
            // A 2xx to an order that cannot be read still means the exchange acted on it.
            throw mutating ? BinanceError.executionStatusUnknown(detail: "unreadable answer, " + detail) : BinanceError.malformedResponse(detail)
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: String(describing: error)
        }
    }
}

/// The exchange clock minus ours, shared by copies of one client.
final class ClockOffset: Sendable {
    private let seconds = Mutex<TimeInterval>(0)

    func get() -> TimeInterval { seconds.withLock { $0 } }
    func set(_ value: TimeInterval) { seconds.withLock { $0 = value } }
}
