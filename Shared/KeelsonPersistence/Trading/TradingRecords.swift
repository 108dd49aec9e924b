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

    public init(
        id: Int64, mode: String, state: TradingState, stateReason: String? = nil, initialBalance: Decimal, peakEquity: Decimal,
        tradingDay: String? = nil, dayStartEquity: Decimal? = nil, startedAt: Date
    ) {
        self.id = id
        self.mode = mode
        self.state = state
        self.stateReason = stateReason
        self.initialBalance = initialBalance
        self.peakEquity = peakEquity
        self.tradingDay = tradingDay
        self.dayStartEquity = dayStartEquity
        self.startedAt = startedAt
    }
}

/// An entry's `ExitPlan` as stored with its order (decimals as strings in JSON).
public struct PlannedExits: Sendable, Equatable, Codable {
    public var plan: ExitPlan

    enum CodingKeys: String, CodingKey {
        case stopDistance = "stop_distance", takeProfitDistance = "take_profit_distance", trailingDistance = "trailing_distance"
    }

    public init(_ plan: ExitPlan) {
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
public struct OrderDraft: Sendable {
    public var clientOrderID: String
    public var symbol: Symbol
    public var side: TradeSide
    public var quantity: Decimal
    public var cause: OrderCause
    public var signalID: Int64?
    public var decidedAfterBar: Date
    public var expectedPrice: Decimal?
    public var plannedExits: PlannedExits?
    /// Set for a stop-loss resting on the exchange (type `stop_loss_limit`); nil for a market order.
    public var restingStop: RestingStop?

    public init(
        clientOrderID: String, symbol: Symbol, side: TradeSide, quantity: Decimal, cause: OrderCause, signalID: Int64? = nil, decidedAfterBar: Date,
        expectedPrice: Decimal? = nil, plannedExits: PlannedExits? = nil, restingStop: RestingStop? = nil
    ) {
        self.restingStop = restingStop
        self.clientOrderID = clientOrderID
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.cause = cause
        self.signalID = signalID
        self.decidedAfterBar = decidedAfterBar
        self.expectedPrice = expectedPrice
        self.plannedExits = plannedExits
    }
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
    /// Set for a stop-loss resting on the exchange; nil for a market order.
    public var restingStop: RestingStop? = nil

    public var remainingQuantity: Decimal { quantity - filledQuantity }

    public init(
        id: Int64, clientOrderID: String, symbol: Symbol, side: TradeSide, quantity: Decimal, status: OrderStatus, filledQuantity: Decimal,
        averageFillPrice: Decimal? = nil, cause: OrderCause, signalID: Int64? = nil, decidedAfterBar: Date, expectedPrice: Decimal? = nil,
        plannedExits: PlannedExits? = nil, fillCount: Int, createdAt: Date, cancelRequested: String? = nil, lastFillBar: Date? = nil,
        restingStop: RestingStop? = nil
    ) {
        self.restingStop = restingStop
        self.id = id
        self.clientOrderID = clientOrderID
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.status = status
        self.filledQuantity = filledQuantity
        self.averageFillPrice = averageFillPrice
        self.cause = cause
        self.signalID = signalID
        self.decidedAfterBar = decidedAfterBar
        self.expectedPrice = expectedPrice
        self.plannedExits = plannedExits
        self.fillCount = fillCount
        self.createdAt = createdAt
        self.cancelRequested = cancelRequested
        self.lastFillBar = lastFillBar
    }
}

/// Everything recovery rebuilds from PostgreSQL.
public struct StoredTradingState: Sendable {
    public var positions: [Symbol: Position]
    public var openOrders: [OrderRecord]
    public var account: AccountState
    public var lastStopOut: [Symbol: Date]
    public var lastSignalAt: Date?
    public var lastFillAt: Date?
    /// The newest bar processed per symbol; bars stored after it are replayed before new ones are taken.
    public var processedBars: [Symbol: Date]

    public init(
        positions: [Symbol: Position], openOrders: [OrderRecord], account: AccountState, lastStopOut: [Symbol: Date], lastSignalAt: Date? = nil,
        lastFillAt: Date? = nil, processedBars: [Symbol: Date]
    ) {
        self.positions = positions
        self.openOrders = openOrders
        self.account = account
        self.lastStopOut = lastStopOut
        self.lastSignalAt = lastSignalAt
        self.lastFillAt = lastFillAt
        self.processedBars = processedBars
    }
}

/// An exit about to be written, with what it implies for the symbol's working entries.
public struct ExitRequest: Sendable {
    public var symbol: Symbol
    public var entryOrderID: Int64
    /// The attempt the position's counter says is next; used ids are skipped, never taken as sent.
    public var attempt: Int
    public var quantity: Decimal
    public var cause: OrderCause
    public var decidedAfterBar: Date
    public var expectedPrice: Decimal?
    /// Written on every entry for the symbol that is still working (not for a resting stop, which only protects).
    public var cancelReason: String
    /// Set when the exit is a stop-loss to rest on the exchange rather than a market order.
    public var restingStop: RestingStop?

    public init(
        symbol: Symbol, entryOrderID: Int64, attempt: Int, quantity: Decimal, cause: OrderCause, decidedAfterBar: Date, expectedPrice: Decimal? = nil,
        cancelReason: String, restingStop: RestingStop? = nil
    ) {
        self.restingStop = restingStop
        self.symbol = symbol
        self.entryOrderID = entryOrderID
        self.attempt = attempt
        self.quantity = quantity
        self.cause = cause
        self.decidedAfterBar = decidedAfterBar
        self.expectedPrice = expectedPrice
        self.cancelReason = cancelReason
    }
}

/// The exit as written: the order (a new one, or the exit already working under the id), the attempt it took,
/// and the ids of earlier attempts that had ended and were skipped.
public struct ExitRecord: Sendable {
    public var order: OrderRecord
    public var attempt: Int
    public var skipped: [String]

    public init(order: OrderRecord, attempt: Int, skipped: [String]) {
        self.order = order
        self.attempt = attempt
        self.skipped = skipped
    }
}

/// One fill and everything it changes, written in a single transaction.
public struct FillCommit: Sendable {
    public var order: OrderRecord
    public var previousStatus: OrderStatus
    public var exchangeFillID: String
    public var fill: FillInput
    /// What the order traded, when the position moved by less (a buy's commission taken in the asset bought).
    public var executedQuantity: Decimal
    /// The exchange's commission in its own asset ("0.025 BTC"), kept with the fill's order event.
    public var commission: String?
    public var expectedPrice: Decimal?
    public var slippageBps: Decimal
    public var latencyMilliseconds: Double
    public var position: Position
    public var trade: ClosedTrade?
    public var account: AccountState
    public var equity: Decimal
    public var unrealizedPnl: Decimal
    public var peakEquity: Decimal
    public var marks: [Symbol: Decimal]

    public init(
        order: OrderRecord, previousStatus: OrderStatus, exchangeFillID: String, fill: FillInput, executedQuantity: Decimal,
        commission: String? = nil, expectedPrice: Decimal? = nil, slippageBps: Decimal, latencyMilliseconds: Double, position: Position,
        trade: ClosedTrade? = nil, account: AccountState, equity: Decimal, unrealizedPnl: Decimal, peakEquity: Decimal, marks: [Symbol: Decimal]
    ) {
        self.order = order
        self.previousStatus = previousStatus
        self.exchangeFillID = exchangeFillID
        self.fill = fill
        self.executedQuantity = executedQuantity
        self.commission = commission
        self.expectedPrice = expectedPrice
        self.slippageBps = slippageBps
        self.latencyMilliseconds = latencyMilliseconds
        self.position = position
        self.trade = trade
        self.account = account
        self.equity = equity
        self.unrealizedPnl = unrealizedPnl
        self.peakEquity = peakEquity
        self.marks = marks
    }
}

/// The account's value at a moment of market time, with the session's risk references.
public struct EquitySnapshot: Sendable {
    public var account: AccountState
    public var equity: Decimal
    public var unrealizedPnl: Decimal
    public var marketTime: Date
    /// The peak, the trading day and its starting equity.
    public var limits: LossLimitState
    public var positions: [Position]
    public var marks: [Symbol: Decimal]
    /// The newest bar processed per symbol in this batch.
    public var processedBars: [Symbol: Date]
    /// False when only the cursor moves: equity and stops are as last recorded, so no balance row is added.
    public var recordsBalance: Bool

    public init(
        account: AccountState, equity: Decimal, unrealizedPnl: Decimal, marketTime: Date, limits: LossLimitState, positions: [Position],
        marks: [Symbol: Decimal], processedBars: [Symbol: Date], recordsBalance: Bool
    ) {
        self.account = account
        self.equity = equity
        self.unrealizedPnl = unrealizedPnl
        self.marketTime = marketTime
        self.limits = limits
        self.positions = positions
        self.marks = marks
        self.processedBars = processedBars
        self.recordsBalance = recordsBalance
    }
}

/// How a signal was decided.
public enum SignalDecision: Sendable {
    case order(OrderDraft)
    case rejection(RiskRejection)
}
