import Foundation
import KeelsonDomain
import KeelsonTrading

/// A trading session as stored.
public struct SessionRecord: Sendable, Equatable {
    public var id: Int64
    public var mode: String
    public var state: TradingState
    public var stateReason: String?
    public var initialBalance: Decimal
    public var peakEquity: Decimal
    /// `yyyy-MM-dd` (UTC, market time) of the day `dayStartEquity` belongs to.
    public var tradingDay: String?
    public var dayStartEquity: Decimal?
    public var startedAt: Date
}

/// An entry's `ExitPlan` as stored with its order (decimals as strings in JSON).
public struct PlannedExits: Sendable, Equatable, Codable {
    public var plan: ExitPlan

    enum CodingKeys: String, CodingKey {
        case stopDistance = "stop_distance", takeProfitDistance = "take_profit_distance", trailingDistance = "trailing_distance"
    }

    init(_ plan: ExitPlan) {
        self.plan = plan
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        plan = ExitPlan(
            stopDistance: try container.decodeDecimalString(forKey: .stopDistance),
            takeProfitDistance: try container.decodeIfPresent(String.self, forKey: .takeProfitDistance).flatMap { Decimal(string: $0) },
            trailingDistance: try container.decodeIfPresent(String.self, forKey: .trailingDistance).flatMap { Decimal(string: $0) }
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(plan.stopDistance.description, forKey: .stopDistance)
        try container.encodeIfPresent(plan.takeProfitDistance?.description, forKey: .takeProfitDistance)
        try container.encodeIfPresent(plan.trailingDistance?.description, forKey: .trailingDistance)
    }

    var json: String {
        (try? String(decoding: JSONEncoder().encode(self), as: UTF8.self)) ?? "{}"
    }
}

/// An order the engine is about to write: everything but the id the database gives it.
struct OrderDraft: Sendable {
    var clientOrderID: String
    var symbol: Symbol
    var side: TradeSide
    var quantity: Decimal
    var cause: OrderCause
    var signalID: Int64?
    var decidedAfterBar: Date
    var expectedPrice: Decimal?
    var plannedExits: PlannedExits?
}

/// An order as stored, with how much of it has filled.
public struct OrderRecord: Sendable, Equatable {
    public var id: Int64
    public var clientOrderID: String
    public var symbol: Symbol
    public var side: TradeSide
    public var quantity: Decimal
    public var status: OrderStatus
    public var filledQuantity: Decimal
    public var averageFillPrice: Decimal?
    public var cause: OrderCause
    public var signalID: Int64?
    public var decidedAfterBar: Date
    public var expectedPrice: Decimal?
    public var plannedExits: PlannedExits?
    public var fillCount: Int
    public var createdAt: Date
    /// Why an exit asked for this order to be canceled, written with the exit; such an order is never worked again.
    public var cancelRequested: String? = nil
    /// The open time of the bar it last filled on (paper orders).
    public var lastFillBar: Date? = nil

    var remainingQuantity: Decimal { quantity - filledQuantity }
}

/// Everything recovery rebuilds from PostgreSQL.
struct StoredTradingState: Sendable {
    var positions: [Symbol: Position]
    var openOrders: [OrderRecord]
    var account: AccountState
    var lastStopOut: [Symbol: Date]
    var lastSignalAt: Date?
    var lastFillAt: Date?
    /// The newest bar processed per symbol; bars stored after it are replayed before new ones are taken.
    var processedBars: [Symbol: Date]
}

/// An exit about to be written, with what it implies for the symbol's working entries.
struct ExitRequest: Sendable {
    var symbol: Symbol
    var entryOrderID: Int64
    /// The attempt the position's counter says is next; used ids are skipped, never taken as sent.
    var attempt: Int
    var quantity: Decimal
    var cause: OrderCause
    var decidedAfterBar: Date
    var expectedPrice: Decimal?
    /// Written on every entry for the symbol that is still working.
    var cancelReason: String
}

/// The exit as written: the order (a new one, or the exit already working under the id), the attempt it took,
/// and the ids of earlier attempts that had ended and were skipped.
struct ExitRecord: Sendable {
    var order: OrderRecord
    var attempt: Int
    var skipped: [String]
}

/// One fill and everything it changes, written in a single transaction.
struct FillCommit: Sendable {
    var order: OrderRecord
    var previousStatus: OrderStatus
    var exchangeFillID: String
    var fill: FillInput
    /// What the order traded, when the position moved by less (a buy's commission taken in the asset bought).
    var executedQuantity: Decimal
    /// The exchange's commission in its own asset ("0.025 BTC"), kept with the fill's order event.
    var commission: String?
    var expectedPrice: Decimal?
    var slippageBps: Decimal
    var latencyMilliseconds: Double
    var position: Position
    var trade: ClosedTrade?
    var account: AccountState
    var equity: Decimal
    var unrealizedPnl: Decimal
    var peakEquity: Decimal
    var marks: [Symbol: Decimal]
}

/// The account's value at a moment of market time, with the session's risk references.
struct EquitySnapshot: Sendable {
    var account: AccountState
    var equity: Decimal
    var unrealizedPnl: Decimal
    var marketTime: Date
    /// The peak, the trading day and its starting equity.
    var limits: LossLimitState
    var positions: [Position]
    var marks: [Symbol: Decimal]
    /// The newest bar processed per symbol in this batch.
    var processedBars: [Symbol: Date]
    /// False when only the cursor moves: equity and stops are as last recorded, so no balance row is added.
    var recordsBalance: Bool
}

/// How a signal was decided.
enum SignalDecision: Sendable {
    case order(OrderDraft)
    case rejection(RiskRejection)
}
