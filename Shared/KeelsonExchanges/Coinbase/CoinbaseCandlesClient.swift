import AsyncHTTPClient
import Foundation
import KeelsonDomain
import KeelsonFoundation
import Logging
import NIOCore
import NIOFoundationCompat

/// Coinbase Advanced Trade public candles, `GET /api/v3/brokerage/market/products/{product_id}/candles`: at
/// most 350 candles per request, newest first. `candles(…)` pages over any range and returns oldest first.
/// Shares the process-wide `ExchangeAccess` of its host for the circuit breaker (Coinbase limits by request
/// rate, not weight, so the weight budget is not used).
public struct CoinbaseCandlesClient: Sendable {
    public static let productionURL = "https://api.coinbase.com"
    /// The most candles Coinbase returns for one request.
    public static let maxCandlesPerRequest = 350

    public let baseURL: String
    public let access: ExchangeAccess
    let httpClient: HTTPClient
    let timeout: Duration
    let logger: Logger

    public init(
        baseURL: String = Self.productionURL, httpClient: HTTPClient, access: ExchangeAccess? = nil, timeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "keelson.exchange.coinbase")
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.httpClient = httpClient
        self.access = access ?? ExchangeAccessRegistry.access(for: baseURL)
        self.timeout = timeout
        self.logger = logger
    }

    /// Coinbase's granularity name for an interval; nil when Coinbase has none.
    public static func granularity(_ interval: CandleInterval) -> String? {
        switch interval {
        case .oneMinute: "ONE_MINUTE"
        case .fiveMinutes: "FIVE_MINUTE"
        case .fifteenMinutes: "FIFTEEN_MINUTE"
        case .thirtyMinutes: "THIRTY_MINUTE"
        case .oneHour: "ONE_HOUR"
        case .twoHours: "TWO_HOUR"
        case .sixHours: "SIX_HOUR"
        case .oneDay: "ONE_DAY"
        case .threeMinutes, .fourHours, .eightHours, .twelveHours, .threeDays, .oneWeek: nil
        }
    }

    /// Candles of `productID` (e.g. `BTC-USD`) with open time in `[from, to)`, oldest first, labelled with
    /// `symbol` and `exchange`. A candle still forming at `to` is included only if it opened before `to`:
    /// callers wanting closed candles pass a `to` no later than now's interval boundary.
    public func candles(productID: String, symbol: Symbol, interval: CandleInterval, from: Date, to: Date, exchange: String = "coinbase") async throws
        -> [Candle]
    {
        guard let granularity = Self.granularity(interval) else { throw CoinbaseError.unsupportedInterval(interval.rawValue) }
        let step = interval.seconds
        var start = Int64((from.timeIntervalSince1970 / Double(step)).rounded(.up)) * step
        let end = Int64(to.timeIntervalSince1970)
        var result: [Candle] = []
        while start < end {
            // `end` is inclusive at Coinbase: 350 candles span start … start + 349 steps.
            let pageEnd = min(start + Int64(Self.maxCandlesPerRequest - 1) * step, end - 1)
            let page = try await fetch(productID: productID, granularity: granularity, start: start, end: pageEnd)
            result +=
                page
                .filter { $0.start >= start && $0.start <= pageEnd && $0.start < end }
                .sorted { $0.start < $1.start }
                .map { $0.candle(exchange: exchange, symbol: symbol, interval: interval) }
            start += Int64(Self.maxCandlesPerRequest) * step
        }
        return result
    }

    struct Row: Decodable {
        var start: Int64
        var low, high, open, close, volume: Decimal

        enum CodingKeys: String, CodingKey { case start, low, high, open, close, volume }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let text = try container.decode(String.self, forKey: .start)
            guard let start = Int64(text) else {
                throw DecodingError.dataCorruptedError(forKey: .start, in: container, debugDescription: "'\(text)' is not UNIX seconds")
            }
            self.start = start
            low = try container.decodeDecimalString(forKey: .low)
            high = try container.decodeDecimalString(forKey: .high)
            open = try container.decodeDecimalString(forKey: .open)
            close = try container.decodeDecimalString(forKey: .close)
            volume = try container.decodeDecimalString(forKey: .volume)
        }

        func candle(exchange: String, symbol: Symbol, interval: CandleInterval) -> Candle {
            Candle(
                exchange: exchange, symbol: symbol, interval: interval, openTime: Date(timeIntervalSince1970: TimeInterval(start)),
                open: open, high: high, low: low, close: close, volume: volume
            )
        }
    }

    struct Page: Decodable { var candles: [Row] }

    func fetch(productID: String, granularity: String, start: Int64, end: Int64) async throws -> [Row] {
        if let wait = await access.breaker.waitBeforeCalling() {
            throw CoinbaseError.circuitOpen(retryAt: Date.now.addingTimeInterval(wait))
        }
        let product = productID.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? productID
        var request = HTTPClientRequest(
            url: "\(baseURL)/api/v3/brokerage/market/products/\(product)/candles?start=\(start)&end=\(end)&granularity=\(granularity)")
        request.headers.add(name: "Accept", value: "application/json")
        let deadline = TimeAmount.nanoseconds(timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        let status: Int
        let body: ByteBuffer
        let retryAfter: String?
        do {
            let response = try await httpClient.execute(request, timeout: deadline, logger: logger)
            status = Int(response.status.code)
            retryAfter = response.headers.first(name: "Retry-After")
            body = try await response.body.collect(upTo: 8 * 1024 * 1024)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            await access.breaker.recordFailure()
            throw CoinbaseError.unavailable(detail: String(describing: error).prefix(200).description)
        }
        switch status {
        case 200..<300:
            await access.breaker.recordSuccess()
            do {
                return try JSONDecoder().decode(Page.self, from: body).candles
            } catch {
                throw CoinbaseError.malformedResponse("\(BinanceRESTClient.describe(error)); body starts \(String(buffer: body).prefix(120))")
            }
        case 429:
            throw CoinbaseError.rateLimited(retryAfter: retryAfter.flatMap { Int64($0) }.map { .seconds($0) })
        case 500...:
            await access.breaker.recordFailure()
            throw CoinbaseError.unavailable(detail: "HTTP \(status)")
        default:
            await access.breaker.recordSuccess()
            struct ErrorBody: Decodable { var error: String?; var message: String? }
            let decoded = try? JSONDecoder().decode(ErrorBody.self, from: body)
            throw CoinbaseError.api(
                status: status, error: decoded?.error ?? "UNKNOWN", message: decoded?.message ?? String(buffer: body).prefix(200).description)
        }
    }
}
