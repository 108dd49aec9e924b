import Foundation
import Metrics

/// The request-weight budget of one exchange as seen from this process's IP. Exchanges count weight per IP,
/// so every client of an exchange in the process — market data and trading alike — must draw from the same
/// budget: get it from `ExchangeAccessRegistry` (keyed by the exchange's host) rather than creating one.
///
/// Each request reserves its documented weight before it is sent; when the minute's budget would be exceeded
/// the request waits for the next minute. The exchange's own count (`X-MBX-USED-WEIGHT-1M`) replaces ours
/// whenever a response carries it. A 429 pauses every request until its Retry-After; a 418 ban makes every
/// request fail at once with `ExchangeBudgetRefusal.banned` until the ban ends — a ban is never waited out.
public actor ExchangeRequestBudget {
    public struct Snapshot: Sendable, Codable, Equatable {
        public var exchange: String
        public var weightLimit: Int
        /// Weight used in the current minute: the exchange's last reported count plus what we sent since.
        public var usedWeight: Int
        /// Reserved by requests sent and not yet answered.
        public var inFlightWeight: Int
        public var rateLimitedUntil: Date?
        public var bannedUntil: Date?

        enum CodingKeys: String, CodingKey {
            case exchange
            case weightLimit = "weight_limit"
            case usedWeight = "used_weight"
            case inFlightWeight = "in_flight_weight"
            case rateLimitedUntil = "rate_limited_until"
            case bannedUntil = "banned_until"
        }
    }

    /// Handed out by `reserve` and given back to `complete`, so weight reserved in one minute is not
    /// subtracted from the next minute's count.
    public struct Reservation: Sendable {
        public let weight: Int
        let window: Int64
    }

    public nonisolated let exchange: String
    public private(set) var weightLimit: Int
    /// Longest a request waits (for a Retry-After or the next minute) before it fails with `rateLimited`.
    public let maxWait: Duration
    private var window: Int64
    private var usedWeight = 0
    private var inFlightWeight = 0
    private var rateLimitedUntil: Date?
    private var bannedUntil: Date?
    private let now: @Sendable () -> Date
    private let sleep: @Sendable (Duration) async throws -> Void
    private let bannedGauge: Gauge
    private let usedWeightGauge: Gauge

    /// - Parameters:
    ///   - exchange: the exchange's host, used as the metrics' `exchange` label.
    ///   - weightLimit: request weight per minute until exchangeInfo says otherwise (Binance: 6000).
    ///   - now, sleep: the clock, replaceable so tests need not wait for real minutes.
    public init(
        exchange: String, weightLimit: Int = 6000, maxWait: Duration = .seconds(65),
        now: @escaping @Sendable () -> Date = { .now },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.exchange = exchange
        self.weightLimit = max(1, weightLimit)
        self.maxWait = maxWait
        self.now = now
        self.sleep = sleep
        self.window = Self.minute(of: now())
        self.bannedGauge = Gauge(label: "keelson_exchange_banned", dimensions: [("exchange", exchange)])
        self.usedWeightGauge = Gauge(label: "keelson_exchange_used_weight", dimensions: [("exchange", exchange)])
        bannedGauge.record(0)
        usedWeightGauge.record(0)
    }

    /// Sets the per-minute limit, e.g. from exchangeInfo's REQUEST_WEIGHT entry.
    public func setWeightLimit(_ limit: Int) {
        weightLimit = max(1, limit)
    }

    /// Waits until `weight` fits in the current minute and no Retry-After is pending, then reserves it.
    /// Throws `ExchangeBudgetRefusal` at once when banned, or when the wait would exceed `maxWait`.
    public func reserve(weight: Int) async throws -> Reservation {
        while true {
            let time = now()
            rollWindow(at: time)
            if let bannedUntil, bannedUntil > time {
                throw ExchangeBudgetRefusal.banned(until: bannedUntil)
            }
            var wait: TimeInterval = 0
            if let rateLimitedUntil, rateLimitedUntil > time {
                wait = rateLimitedUntil.timeIntervalSince(time)
            } else if usedWeight + inFlightWeight + weight > weightLimit, usedWeight + inFlightWeight > 0 {
                // The minute is spent (a single request heavier than the whole limit is let through alone).
                wait = Self.nextMinuteStart(after: time).timeIntervalSince(time)
            }
            if wait <= 0 {
                inFlightWeight += weight
                return Reservation(weight: weight, window: window)
            }
            let duration = Duration.milliseconds(Int64((wait * 1000).rounded(.up)))
            if duration > maxWait {
                throw ExchangeBudgetRefusal.rateLimited(until: time.addingTimeInterval(wait))
            }
            try await sleep(duration)
        }
    }

    /// Records the answer to a reserved request: the exchange's used-weight count when the response had one.
    public func complete(_ reservation: Reservation, reportedUsedWeight: Int?) {
        rollWindow(at: now())
        guard reservation.window == window else { return }
        inFlightWeight = max(0, inFlightWeight - reservation.weight)
        if let reportedUsedWeight {
            usedWeight = reportedUsedWeight
        } else {
            usedWeight += reservation.weight
        }
        usedWeightGauge.record(usedWeight)
    }

    /// A 429: nothing is sent until `retryAfter` has passed.
    public func recordRateLimited(retryAfter: TimeInterval) {
        let until = now().addingTimeInterval(max(retryAfter, 0))
        rateLimitedUntil = max(rateLimitedUntil ?? until, until)
    }

    /// A 418: every request fails at once until the ban ends.
    public func recordBan(retryAfter: TimeInterval) {
        let until = now().addingTimeInterval(max(retryAfter, 0))
        bannedUntil = max(bannedUntil ?? until, until)
        bannedGauge.record(1)
    }

    /// When the current ban ends; nil when not banned.
    public func banEnd() -> Date? {
        refreshBan(at: now())
        return bannedUntil
    }

    public func snapshot() -> Snapshot {
        let time = now()
        rollWindow(at: time)
        refreshBan(at: time)
        return Snapshot(
            exchange: exchange, weightLimit: weightLimit, usedWeight: usedWeight, inFlightWeight: inFlightWeight,
            rateLimitedUntil: rateLimitedUntil.flatMap { $0 > time ? $0 : nil }, bannedUntil: bannedUntil
        )
    }

    private func rollWindow(at time: Date) {
        let minute = Self.minute(of: time)
        guard minute != window else { return }
        window = minute
        usedWeight = 0
        inFlightWeight = 0
        usedWeightGauge.record(0)
        refreshBan(at: time)
    }

    private func refreshBan(at time: Date) {
        if let bannedUntil, bannedUntil <= time {
            self.bannedUntil = nil
            bannedGauge.record(0)
        }
    }

    /// Binance's weight counter is per clock minute (UTC), not a sliding minute.
    static func minute(of date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / 60).rounded(.down))
    }

    static func nextMinuteStart(after date: Date) -> Date {
        Date(timeIntervalSince1970: TimeInterval((minute(of: date) + 1) * 60))
    }
}

/// Why the budget refused to let a request go.
public enum ExchangeBudgetRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case banned(until: Date)
    case rateLimited(until: Date)

    public var description: String {
        switch self {
        case .banned(let until): "the exchange banned this IP until \(until.formatted(.iso8601))"
        case .rateLimited(let until): "the exchange's request budget is spent until \(until.formatted(.iso8601))"
        }
    }
}
