import Foundation
import Hummingbird
import KeelsonDomain
import KeelsonExchanges
import KeelsonPersistence
import KeelsonStrategies
import KeelsonTrading
import Logging

/// The trader: turns signals into orders through the risk manager, candles into fills, stops and marks, and
/// keeps positions, cash and the session in PostgreSQL. Only the leader trades; it first rebuilds everything
/// from the database and reconciles the broker, and only then takes signals.
///
/// Every operation runs to completion before the next starts (`serially`): an actor alone would interleave
/// them at each database await, and a fill must never see half of a signal's decision.
public actor TradingEngine {
    public enum Role: String, Sendable { case leader, standby }

    public struct Status: Sendable {
        public var role: Role
        public var ready: Bool
        /// Why the engine does not trade right now (standby, recovering); nil when it does.
        public var notReadyReason: String?
        public var state: TradingState?
        public var sessionID: Int64?
    }

    let settings: EngineSettings
    let store: any TradingRepository
    let candleStore: any CandleStore
    let broker: any Broker
    let metrics: EngineMetrics
    let logger: Logger
    let crashPoint: CrashPoint?
    let startOptions: EngineStartOptions

    var role: Role = .standby
    var notReadyReason: String? = "waiting for the leader lock"
    var fence: LeaderFence?
    /// The session's identity and how it was opened; what trading changes (positions, cash, limits, state) is the
    /// kernel's.
    var session: SessionRecord?
    var kernel: TradingKernel
    var openOrders: [String: OrderRecord] = [:]
    /// The newest split of the capital (nil: never split) and when it was read; read again after
    /// `allocationRefresh`, so the signal path does not ask PostgreSQL for it on every buy.
    var allocationCache: (amounts: [String: Decimal]?, readAt: ContinuousClock.Instant)?
    static let allocationRefresh = Duration.seconds(5)
    /// The account differences found by the last reconciliation (`TradingEngine.findingKey`).
    var reconciliationFindings: Set<String> = []
    var windows: [Symbol: MarketWindow] = [:]
    var lastSignalAt: Date?
    var lastSnapshot: (time: Date, equity: Decimal)?
    /// A trailing stop ratcheted up since the last snapshot, so the snapshot must persist it.
    var stopsMoved = false
    var busy = false
    /// Callers queued behind the running one, each with a number so a cancelled one can leave the queue.
    var waiters: [(number: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    var waiterCount = 0
    /// Which holding of the turn is current: standing by past a stuck operation abandons its holding, and an
    /// abandoned holder hands nothing over when it ends (if it ever does).
    var turn = 0
    /// The holding of the turn the current task runs in (nil outside `serially`): an abandoned operation that resumes
    /// after the engine leads again must not write with the new leader's fence.
    @TaskLocal static var heldTurn: Int?
    /// When the running operation took the turn; nil while none runs.
    var turnTakenAt: ContinuousClock.Instant?
    /// How long standing by waits for the running operation before it stops trading without it.
    let standByWait: Duration
    var fillsRecorded = 0
    /// Positions (by entry order id) whose resting stop the exchange refused: not placed again.
    var refusedRestingStops: Set<Int64> = []
    /// When each symbol's resting stop was last replaced, for the trailing replace interval.
    var restingStopReplacedAt: [Symbol: Date] = [:]
    var lastFillCommittedAt: ContinuousClock.Instant?

    init(
        settings: EngineSettings, store: any TradingRepository, candleStore: any CandleStore, broker: any Broker, metrics: EngineMetrics,
        startOptions: EngineStartOptions, logger: Logger, crashPoint: CrashPoint? = CrashPoint.configured(), standByWait: Duration = .seconds(10)
    ) {
        self.standByWait = standByWait
        self.settings = settings
        self.store = store
        self.candleStore = candleStore
        self.broker = broker
        self.metrics = metrics
        self.startOptions = startOptions
        self.logger = logger
        self.crashPoint = crashPoint
        self.kernel = Self.kernel(settings: settings, session: nil, stored: nil)
    }

    /// The kernel for `session` as stored, or an empty one while no session is open. The venue's own rules
    /// (`venueRules`, live: the exchange's filters) win over the settings'.
    static func kernel(
        settings: EngineSettings, session: SessionRecord?, stored: StoredTradingState?, venueRules: [Symbol: SymbolRules] = [:]
    ) -> TradingKernel {
        TradingKernel(
            risk: RiskManager(settings: settings.risk, takerFeeRate: settings.execution.takerFeeRate),
            symbolRules: settings.symbolRules.merging(venueRules) { _, venue in venue },
            account: stored?.account ?? AccountState(cash: 0, realizedPnl: 0, feesPaid: 0),
            positions: stored?.positions ?? [:], lastStopOut: stored?.lastStopOut ?? [:],
            limits: LossLimitState(
                state: session?.state ?? .stopped, peakEquity: session?.peakEquity ?? 0, tradingDay: session?.tradingDay,
                dayStartEquity: session?.dayStartEquity, initialBalance: session?.initialBalance ?? 0
            )
        )
    }

    /// The trading state of the open session; nil while none is open.
    var state: TradingState? { session == nil ? nil : kernel.state }

    /// Every symbol's last close.
    var marks: [Symbol: Decimal] { windows.compactMapValues(\.mark) }

    public var status: Status {
        Status(role: role, ready: notReadyReason == nil, notReadyReason: notReadyReason, state: state, sessionID: session?.id)
    }

    // MARK: Serial execution

    /// Runs `body` when no other serial operation is running. A caller cancelled while it waits (a shutdown past its
    /// grace, whatever the running operation is stuck on) leaves the queue with `CancellationError` instead of waiting
    /// on: nothing may hold a shutdown up.
    /// - Parameter limit: how long to wait for the turn at most; past it the caller leaves the queue with
    ///   `TurnTimeout` (nil: as long as it takes).
    func serially<T: Sendable>(waitingAtMost limit: Duration? = nil, _ body: () async throws -> T) async throws -> T {
        if busy {
            waiterCount += 1
            let number = waiterCount
            if let limit {
                Task {
                    try? await Task.sleep(for: limit)
                    self.leaveQueue(number, because: TurnTimeout())
                }
            }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        waiters.append((number, continuation))
                    }
                }
            } onCancel: {
                Task { await self.leaveQueue(number, because: CancellationError()) }
            }
        } else {
            busy = true
        }
        // Reached only holding the turn: handed over by the previous holder, or taken when none was running.
        let holding = turn
        turnTakenAt = .now
        defer { if holding == turn { handOver() } }
        return try await Self.$heldTurn.withValue(holding) { try await body() }
    }

    private func handOver() {
        turnTakenAt = nil
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().continuation.resume() }
    }

    /// How long the running operation has held the turn; nil while none runs. Leader election gives the lock up when
    /// it is past any operation's reasonable time (one stuck on storage stops all trading while the lock lives on).
    var runningOperationAge: Duration? { turnTakenAt.map { .now - $0 } }

    /// A waiter that has not been handed the turn yet: cancelled, or waited as long as it would.
    private func leaveQueue(_ number: Int, because error: any Error) {
        guard let index = waiters.firstIndex(where: { $0.number == number }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: error)
    }

    /// Stops waiting on the running operation: the next caller gets the turn now. Only when trading stops, so what
    /// the abandoned operation still writes carries a fence the database no longer honours.
    private func abandonTurn() {
        turn += 1
        handOver()
    }

    func requireReady() throws(EngineError) {
        if let notReadyReason { throw EngineError.unavailable("not trading: \(notReadyReason)") }
    }

    func requireFence() throws -> LeaderFence {
        guard let fence, role == .leader else { throw EngineError.unavailable("this engine is not the leader") }
        if let held = Self.heldTurn, held != turn {
            throw EngineError.unavailable("this operation was abandoned when trading stopped; the engine has led again since")
        }
        return fence
    }

    // MARK: Leadership and recovery

    /// This process holds the leader lock: rebuild from PostgreSQL, reconcile with the broker, catch up on
    /// signals, then trade. A broker that cannot be asked (the exchange is down) keeps the engine leading but not
    /// ready, and reconciliation is tried again with backoff (1 s, doubling to at most a minute); any other
    /// failure hands the lock back.
    func lead(fence: LeaderFence) async throws {
        var failures = 0
        while true {
            do {
                let leading = try await serially { () async throws -> Bool in
                    // Told to stand by while waiting to retry: the lock is no longer ours to trade with.
                    guard failures == 0 || (role == .leader && self.fence == fence) else { return false }
                    role = .leader
                    self.fence = fence
                    if failures == 0 {
                        notReadyReason =
                            "recovering open orders, positions and balance from the database and reconciling them with the \(broker.name) broker"
                    }
                    metrics.role(leader: true)
                    do {
                        try await recover()
                    } catch let error as BrokerUnavailable {
                        throw error
                    } catch {
                        clearState(role: .standby, reason: "recovery failed: \(DatabaseErrorDescription.describe(error))")
                        throw error
                    }
                    // Stood by while recovering (a stuck read, the turn abandoned): that leadership is over.
                    guard self.fence == fence else { return false }
                    notReadyReason = nil
                    return true
                }
                guard leading else { return }
                break
            } catch let error as BrokerUnavailable {
                failures += 1
                let delay = min(60, 1 << min(failures - 1, 6))
                notReadyReason = "reconciliation with \(broker.name) failed (\(error.detail)); retrying in \(delay) s"
                logger.warning("reconciliation failed; trading waits", metadata: ["error": "\(error)", "retry_in_seconds": "\(delay)"])
                try await Task.sleep(for: .seconds(delay))
            }
        }
        try await catchUp()
    }

    /// Stops trading at once: another instance holds (or may hold) the lock, or this process is stopping.
    func standBy(reason: String, expected: Bool = false) async {
        do {
            // Shutting down, the running operation is not waited for long: its writes are fenced, and the process's
            // own shutdown (the HTTP server, the pool) must not queue behind it.
            try await serially(waitingAtMost: expected ? min(standByWait, .seconds(1)) : standByWait) {
                guard role == .leader || notReadyReason != reason else { return }
                if role == .leader { logger.log(level: expected ? .info : .warning, "stopped trading", metadata: ["reason": "\(reason)"]) }
                clearState(role: .standby, reason: reason)
                await broker.reset()
            }
        } catch {
            // Cancelled, or the running operation is stuck (a query on a connection that closed under it can go
            // unanswered): stop trading all the same. That operation's writes are refused from here on (no fence);
            // past the wait the turn goes on without it, so leading again is not held up by it.
            if role == .leader { logger.warning("stopped trading without waiting for the running operation", metadata: ["reason": "\(reason)"]) }
            if error is TurnTimeout { abandonTurn() }
            clearState(role: .standby, reason: reason)
        }
    }

    struct TurnTimeout: Error {}

    func clearState(role: Role, reason: String) {
        self.role = role
        notReadyReason = reason
        fence = nil
        session = nil
        kernel = Self.kernel(settings: settings, session: nil, stored: nil)
        openOrders = [:]
        windows = [:]
        lastSnapshot = nil
        refusedRestingStops = []
        restingStopReplacedAt = [:]
        metrics.role(leader: role == .leader)
    }

}
