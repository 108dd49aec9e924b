import Foundation
import KeelsonDomain
import KeelsonServiceKit

/// What `GET /api/v1/providers` reports about the provider: running or failing, the newest candle per symbol,
/// errors, and gaps it could not fill.
actor ProviderStatus {
    enum State: String, Codable, Sendable { case starting, running, failing, finished }

    struct Snapshot: Codable, Sendable {
        var provider: String
        var status: State
        var circuit: String
        var lastCandleTime: Date?
        /// Wall-clock time of the last successful write: how fresh the pipeline is, even for replayed candles.
        var lastStoredAt: Date?
        var dataAgeSeconds: Double?
        var errors: Int
        var lastError: String?
        var unfilledGaps: [Gap]

        enum CodingKeys: String, CodingKey {
            case provider, status, circuit, errors
            case lastCandleTime = "last_candle_time"
            case lastStoredAt = "last_stored_at"
            case dataAgeSeconds = "data_age_seconds"
            case lastError = "last_error"
            case unfilledGaps = "unfilled_gaps"
        }
    }

    struct Gap: Codable, Sendable, Equatable {
        var symbol: String
        var from: Date
        var to: Date
    }

    let provider: String
    let interval: CandleInterval
    private var state: State = .starting
    private var newest: [Symbol: Date] = [:]
    private var finishedSymbols: Set<Symbol> = []
    private var lastStoredAt: Date?
    private var errors = 0
    private var lastError: String?
    private var unfilledGaps: [Gap] = []
    let symbolCount: Int
    /// Opens when the provider keeps failing, so the collector stops hammering it (and risking a ban).
    nonisolated let breaker: CircuitBreaker

    init(provider: String, interval: CandleInterval, symbolCount: Int, breaker: CircuitBreaker? = nil) {
        self.provider = provider
        self.interval = interval
        self.symbolCount = symbolCount
        self.breaker = breaker ?? CircuitBreaker(name: "provider:\(provider)")
    }

    func stored(_ candles: [Candle], at now: Date = .now) {
        lastStoredAt = now
        for candle in candles where candle.openTime > (newest[candle.symbol] ?? .distantPast) {
            newest[candle.symbol] = candle.openTime
        }
        if state != .finished { state = .running }
    }

    func failed(_ error: any Error) {
        errors += 1
        lastError = String(describing: error)
        state = .failing
    }

    func finished(_ symbol: Symbol) {
        finishedSymbols.insert(symbol)
        if finishedSymbols.count == symbolCount { state = .finished }
    }

    func unfilled(_ gaps: [Gap]) {
        unfilledGaps = Array((unfilledGaps + gaps).suffix(100))
    }

    func newestCandle(_ symbol: Symbol) -> Date? { newest[symbol] }

    func snapshot(now: Date = .now) async -> Snapshot {
        let last = newest.values.max()
        let age = last.map { now.timeIntervalSince($0.addingTimeInterval(TimeInterval(interval.seconds))) }
        return Snapshot(
            provider: provider, status: state, circuit: await breaker.state(now: now).rawValue, lastCandleTime: last, lastStoredAt: lastStoredAt, dataAgeSeconds: age,
            errors: errors, lastError: lastError, unfilledGaps: unfilledGaps
        )
    }
}
