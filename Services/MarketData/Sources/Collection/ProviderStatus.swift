import Foundation
import KeelsonDomain
import KeelsonServiceKit

/// What `GET /api/v1/providers` reports about one provider: its role (primary, or the backup that takes over
/// while the primary's breaker is open), whether it is collecting now and for which symbols, its breaker, the
/// newest candle per symbol, errors, and gaps it could not fill.
actor ProviderStatus {
    /// `standby`: a backup waiting for the primary to fail.
    enum State: String, Codable, Sendable { case starting, running, failing, finished, standby }
    enum Role: String, Codable, Sendable { case primary, backup }

    struct Snapshot: Codable, Sendable {
        var provider: String
        var role: Role
        /// The exchange its candles are stored under.
        var exchange: String
        var status: State
        var active: Bool
        var activeSymbols: [String]
        /// The state of `breaker`, kept beside it for readers of the first version of this answer.
        var circuit: String
        var breaker: CircuitBreaker.Snapshot
        var lastCandleTime: Date?
        /// Wall-clock time of the last successful write: how fresh the pipeline is, even for replayed candles.
        var lastStoredAt: Date?
        var dataAgeSeconds: Double?
        var errors: Int
        var lastError: String?
        var unfilledGaps: [Gap]

        enum CodingKeys: String, CodingKey {
            case provider, role, exchange, status, active, circuit, breaker, errors
            case activeSymbols = "active_symbols"
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
    let role: Role
    let exchange: String
    let interval: CandleInterval
    private var state: State = .starting
    private var newest: [Symbol: Date] = [:]
    private var activeSymbols: Set<Symbol> = []
    private var finishedSymbols: Set<Symbol> = []
    private var lastStoredAt: Date?
    private var errors = 0
    private var lastError: String?
    private var unfilledGaps: [Gap] = []
    let symbolCount: Int
    /// Opens when the provider keeps failing, so the collector stops hammering it (and risking a ban): the
    /// exchange's own breaker for an exchange, else one of the collector's.
    nonisolated let breaker: CircuitBreaker

    init(provider: String, role: Role = .primary, exchange: String, interval: CandleInterval, symbolCount: Int, breaker: CircuitBreaker? = nil) {
        self.provider = provider
        self.role = role
        self.exchange = exchange
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

    /// The collector takes `symbol` from this provider now.
    func activate(_ symbol: Symbol) {
        activeSymbols.insert(symbol)
    }

    /// The collector takes `symbol` from the other provider now.
    func deactivate(_ symbol: Symbol) {
        activeSymbols.remove(symbol)
    }

    func finished(_ symbol: Symbol) {
        activeSymbols.remove(symbol)
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
        let breakerSnapshot = await breaker.snapshot(now: now)
        var status = state
        if role == .backup, activeSymbols.isEmpty, state != .finished {
            status = .standby
        } else if breakerSnapshot.state == .open, state != .finished {
            status = .failing
        }
        return Snapshot(
            provider: provider, role: role, exchange: exchange, status: status, active: !activeSymbols.isEmpty,
            activeSymbols: activeSymbols.map(\.rawValue).sorted(), circuit: breakerSnapshot.state.rawValue, breaker: breakerSnapshot,
            lastCandleTime: last, lastStoredAt: lastStoredAt, dataAgeSeconds: age, errors: errors, lastError: lastError, unfilledGaps: unfilledGaps
        )
    }
}
