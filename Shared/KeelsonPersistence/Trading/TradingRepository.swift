import Foundation
import KeelsonDomain
import KeelsonStrategies
import KeelsonTrading

/// The engine's writes. Each method is one transaction, and every trading write first checks that this
/// process still holds the leader lock (`fence`), so a deposed leader cannot trade.
public protocol TradingRepository: Sendable {
    func openSession(_ request: SessionRequest) async throws -> SessionRecord
    func loadState(session: SessionRecord) async throws -> StoredTradingState
    /// Records the decision on a signal, with its order when there is one; nil when the signal was decided before.
    /// `acceptedBy` names a broker whose acceptance is the row itself: the order is written `submitted`. A sell also
    /// writes `cancelReason` on the symbol's working entries, in the same transaction.
    func recordDecision(
        signal: StoredSignal, sessionID: Int64, decision: SignalDecision, acceptedBy broker: String?, cancelReason: String?, fence: LeaderFence
    ) async throws -> DecisionOutcome?
    /// Writes an exit not caused by a signal (a stop, close-all) and all it implies in one transaction: the exit order
    /// under the first attempt id not used before (an id whose order ended is skipped; one still working is the exit),
    /// the cancel request on the symbol's working entries, and the position's attempt counter.
    func recordExit(_ exit: ExitRequest, sessionID: Int64, fence: LeaderFence) async throws -> ExitRecord
    /// Moves an order on, recording which broker and why; `reason` also becomes the order's reject reason. An
    /// exchange's acceptance also records its order id and, when it works less than was written (rounded down to
    /// its lot step), that quantity.
    func transition(
        _ order: OrderRecord, to status: OrderStatus, broker: String, reason: String?, exchangeOrderID: String?, workingQuantity: Decimal?,
        fence: LeaderFence
    ) async throws -> OrderRecord
    /// False when this fill was recorded before (a replayed execution report): nothing changes.
    func applyFill(_ commit: FillCommit, sessionID: Int64, fence: LeaderFence) async throws -> Bool
    func saveSnapshot(_ snapshot: EquitySnapshot, sessionID: Int64, fence: LeaderFence) async throws
    func setState(_ state: TradingState, reason: String, kind: String, sessionID: Int64, resetReferences equity: Decimal?, fence: LeaderFence)
        async throws
    func recordRiskEvent(kind: String, symbol: Symbol?, reason: String, detail: [String: String], sessionID: Int64) async throws
    /// Signals stored since `since` that the engine has not decided on, oldest first.
    func undecidedSignals(since: Date, limit: Int) async throws -> [StoredSignal]
    func signals(ids: [Int64]) async throws -> [StoredSignal]
    /// Each instance's amount in the newest split of the capital; nil when the capital has never been split.
    func latestAllocation() async throws -> [String: Decimal]?
    /// What `instance`'s open positions (at their entry prices) and working entries (at their signals' prices) in the
    /// session cost: the part of its allocation it uses.
    func exposure(of instance: String, sessionID: Int64) async throws -> Decimal
}

/// How a session is opened at start.
public struct SessionRequest: Sendable {
    public var mode: String
    public var maxCapital: Decimal
    public var configurationJSON: String
    public var newSession: Bool
    public var resumeFromLastBalance: Bool

    public init(mode: String, maxCapital: Decimal, configurationJSON: String, newSession: Bool, resumeFromLastBalance: Bool) {
        self.mode = mode
        self.maxCapital = maxCapital
        self.configurationJSON = configurationJSON
        self.newSession = newSession
        self.resumeFromLastBalance = resumeFromLastBalance
    }
}

public enum DecisionOutcome: Sendable {
    case ordered(OrderRecord)
    case rejected
}

extension TradingRepository {
    public func transition(_ order: OrderRecord, to status: OrderStatus, broker: String, reason: String?, fence: LeaderFence) async throws
        -> OrderRecord
    {
        try await transition(order, to: status, broker: broker, reason: reason, exchangeOrderID: nil, workingQuantity: nil, fence: fence)
    }
}
