import Foundation
import Hummingbird

/// Everything the fake does to requests before and after its endpoints see them: weight accounting per
/// minute, the faults a test or `/fake/...` asked for, and the log of received requests.
actor FakeTraffic {
    let weightLimit: Int
    private var window: Int64 = 0
    private var usedWeight = 0
    private var rateLimitedRequests = 0
    private var rateLimitRetryAfter = 1
    private var bannedUntil: Date?
    private var orderFaults: [FakeOrderFault] = []
    private var malformedResponses = 0
    private var outages: [FakeMarketDataSource: Int] = [:]
    private var log: [FakeRecordedRequest] = []
    static let maxLoggedRequests = 10_000

    init(weightLimit: Int) {
        self.weightLimit = weightLimit
    }

    /// Lets a Binance request through and counts its weight, or says why not: a ban (418), an injected 429,
    /// or the minute's weight spent (429, -1003), each with Retry-After.
    func admit(weight: Int, now: Date) -> FakeBinanceError? {
        roll(now)
        if let bannedUntil, bannedUntil > now {
            let seconds = Int(bannedUntil.timeIntervalSince(now).rounded(.up))
            return FakeBinanceError(
                status: .init(code: 418), code: -1003,
                msg:
                    "Way too much request weight used; IP banned until \(Int64(bannedUntil.timeIntervalSince1970 * 1000)). Please use WebSocket Streams for live updates to avoid bans.",
                headers: [.retryAfter: String(max(seconds, 1))]
            )
        }
        if rateLimitedRequests > 0 {
            rateLimitedRequests -= 1
            return tooMuchWeight(retryAfter: rateLimitRetryAfter)
        }
        if usedWeight + weight > weightLimit {
            let nextMinute = Double(window + 1) * 60
            return tooMuchWeight(retryAfter: max(1, Int((nextMinute - now.timeIntervalSince1970).rounded(.up))))
        }
        usedWeight += weight
        return nil
    }

    private func tooMuchWeight(retryAfter: Int) -> FakeBinanceError {
        FakeBinanceError(
            status: .tooManyRequests, code: -1003,
            msg:
                "Too much request weight used; current limit is \(weightLimit) request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
            headers: [.retryAfter: String(retryAfter)]
        )
    }

    func usedWeight(now: Date) -> Int {
        roll(now)
        return usedWeight
    }

    private func roll(_ now: Date) {
        let minute = Int64((now.timeIntervalSince1970 / 60).rounded(.down))
        if minute != window {
            window = minute
            usedWeight = 0
        }
    }

    // MARK: Faults

    func rateLimitNext(_ count: Int, retryAfter: Int) {
        rateLimitedRequests = max(0, count)
        rateLimitRetryAfter = max(0, retryAfter)
    }

    func ban(until: Date) { bannedUntil = until }

    func addOrderFault(_ fault: FakeOrderFault) { orderFaults.append(fault) }

    func takeOrderFault() -> FakeOrderFault? {
        orderFaults.isEmpty ? nil : orderFaults.removeFirst()
    }

    func malformNext(_ count: Int) { malformedResponses = max(0, count) }

    func takeMalformed() -> Bool {
        guard malformedResponses > 0 else { return false }
        malformedResponses -= 1
        return true
    }

    func setOutage(_ source: FakeMarketDataSource, status: Int?) { outages[source] = status }

    /// Every Binance REST request answers this status (an exchange that is down), until cleared.
    private(set) var restOutage: Int?

    func setRESTOutage(status: Int?) { restOutage = status }

    func outage(_ source: FakeMarketDataSource) -> Int? { outages[source] }

    func clearFaults() {
        rateLimitedRequests = 0
        bannedUntil = nil
        orderFaults = []
        malformedResponses = 0
        outages = [:]
        restOutage = nil
    }

    // MARK: Log

    func record(_ request: FakeRecordedRequest) {
        if log.count >= Self.maxLoggedRequests { log.removeFirst(log.count - Self.maxLoggedRequests + 1) }
        log.append(request)
    }

    func recorded() -> [FakeRecordedRequest] { log }

    func clearLog() { log = [] }
}
