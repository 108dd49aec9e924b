import Foundation
import KeelsonDomain

/// The engine with its paper broker, as a value: one account that several strategy instances trade, for the portfolio
/// backtest and for the shadow book of a candidate instance. It takes the engine's steps in the engine's order —
/// for each bar of a batch, in open time then symbol order: the trading day, the fills of working orders
/// (`PaperVenue`), the protective stops; after the batch, the loss limits; then the signals, in the order given —
/// through the same `TradingKernel`, so it trades as the engine does. Every round trip carries the instance whose
/// entry opened it, whoever closed it.
public struct PaperBook: Sendable {
    /// A round trip and the instance it is attributed to.
    public struct RoundTrip: Sendable, Equatable {
        public var instance: String
        public var trade: ClosedTrade
    }

    public struct Halt: Sendable, Equatable {
        /// The open time of the last bar of the batch after which trading halted.
        public var time: Date
        public var breach: LimitBreach
    }

    public enum Outcome: Sendable, Equatable {
        case ordered(clientOrderID: String)
        case rejected(RiskRejection)
    }

    /// A signal, as the book needs it.
    public struct Signal: Sendable {
        public var id: Int64
        public var instance: String
        public var symbol: Symbol
        public var side: TradeSide
        public var price: Decimal
        public var barTime: Date
        public var interval: CandleInterval

        public init(id: Int64, instance: String, symbol: Symbol, side: TradeSide, price: Decimal, barTime: Date, interval: CandleInterval) {
            self.id = id
            self.instance = instance
            self.symbol = symbol
            self.side = side
            self.price = price
            self.barTime = barTime
            self.interval = interval
        }
    }

    private struct WorkingOrder: Sendable {
        var id: Int64
        var instance: String
        var order: BrokerOrder
        var plannedExits: ExitPlan?
        /// What an entry's unfilled rest counts against its instance's allocation, per unit.
        var decisionPrice: Decimal
    }

    public private(set) var kernel: TradingKernel
    private var venue: PaperVenue
    private var working: [String: WorkingOrder] = [:]
    public private(set) var marks: [Symbol: Decimal] = [:]
    private var lastBar: [Symbol: Date] = [:]
    /// The instance of each entry order, by order id.
    private var entryInstance: [Int64: String] = [:]
    private var nextOrderID: Int64 = 0
    public private(set) var roundTrips: [RoundTrip] = []
    public private(set) var halts: [Halt] = []
    /// Each instance's share of the capital; nil until the capital is split, when entries are sized from equity alone.
    public var allocations: [String: Decimal]?

    public init(kernel: TradingKernel, execution: ExecutionModel) {
        self.kernel = kernel
        let rules = kernel
        venue = PaperVenue(model: execution, rules: { rules.rules(for: $0) })
    }

    public func equity() -> Decimal { kernel.equity(marks: marks) }

    /// The instance whose entry opened the position held in `symbol`.
    public func holder(of symbol: Symbol) -> String? {
        kernel.positions[symbol].flatMap { entryInstance[$0.entryOrderID] }
    }

    /// What `instance` has of its allocation in use: its positions at their entry prices and the unfilled rest of its
    /// working entries at their decision prices (the engine's measure).
    public func exposure(of instance: String) -> Decimal {
        let held = kernel.positions.values.filter { entryInstance[$0.entryOrderID] == instance }
            .reduce(Decimal(0)) { $0 + $1.quantity * $1.averageEntryPrice }
        return working.values.filter { $0.instance == instance && $0.order.side == .buy }
            .reduce(held) { $0 + $1.order.remainingQuantity * $1.decisionPrice }
    }

    /// A batch of bars (one per symbol for a minute, say): fills, stops and marks per bar, then the loss limits. Older
    /// and repeated bars are skipped, as the engine skips them.
    public mutating func ingest(_ candles: [Candle]) throws(AccountingError) {
        var lastOpen: Date?
        for candle in candles.sorted(by: { ($0.openTime, $0.symbol.rawValue) < ($1.openTime, $1.symbol.rawValue) }) {
            guard lastBar[candle.symbol].map({ candle.openTime > $0 }) ?? true else { continue }
            kernel.rollTradingDay(to: candle.openTime, marks: marks)
            lastBar[candle.symbol] = candle.openTime
            marks[candle.symbol] = candle.close
            try process(candle)
            lastOpen = candle.openTime
        }
        guard let lastOpen else { return }
        if let breach = kernel.checkLossLimits(equity: equity()) {
            kernel.limits.state = .halted
            halts.append(Halt(time: lastOpen, breach: breach))
        }
    }

    /// Decides a signal as the engine does: an entry sized by the risk manager (within the instance's allocation once
    /// there is one), an exit of the whole position, or a refusal and its reason.
    @discardableResult
    public mutating func decide(_ signal: Signal, atr: Double?) -> Outcome {
        let symbol = signal.symbol
        let entries = working.values.filter { $0.order.side == .buy }
        let allocation = allocations.map {
            RiskManager.StrategyAllocation(instance: signal.instance, amount: $0[signal.instance] ?? 0, used: exposure(of: signal.instance))
        }
        let intent = kernel.decideSignal(
            side: signal.side, symbol: symbol, price: signal.price, barTime: signal.barTime, interval: signal.interval, atr: atr, marks: marks,
            entryWorking: entries.contains { $0.order.symbol == symbol }, workingEntries: entries.count, exitWorking: marketExitWorking(symbol),
            allocation: signal.side == .buy ? allocation : nil)
        let id = ClientOrderID.forSignal(signal.id)
        switch intent {
        case .failure(let rejection):
            return .rejected(rejection)
        case .success(.buy(let plan)):
            submit(
                id: id, instance: signal.instance, symbol: symbol, side: .buy, quantity: plan.quantity, cause: .signal, expectedPrice: signal.price,
                decidedAfterBar: signal.barTime, plannedExits: plan.exitPlan(decisionPrice: signal.price), immediateFill: nil)
        case .success(.sell(let quantity)):
            cancelWorkingEntries(symbol)
            submit(
                id: id, instance: signal.instance, symbol: symbol, side: .sell, quantity: quantity, cause: .signal, expectedPrice: signal.price,
                decidedAfterBar: signal.barTime, plannedExits: nil, immediateFill: nil)
        }
        return .ordered(clientOrderID: id)
    }

    private func marketExitWorking(_ symbol: Symbol) -> Bool {
        working.values.contains { $0.order.symbol == symbol && $0.order.side == .sell }
    }

    private mutating func process(_ candle: Candle) throws(AccountingError) {
        for execution in venue.executions(on: candle) { try apply(execution) }
        guard case .triggered(let trigger) = kernel.protectiveStops(on: candle, exitWorking: marketExitWorking(candle.symbol)),
            let position = kernel.positions[candle.symbol]
        else { return }
        // As the engine: decided "after" the second before this bar, filled at once at the stop's price.
        cancelWorkingEntries(candle.symbol)
        let instance = entryInstance[position.entryOrderID] ?? ""
        if let execution = submit(
            id: ClientOrderID.forExit(entryOrderID: position.entryOrderID, attempt: 0), instance: instance, symbol: candle.symbol, side: .sell,
            quantity: position.quantity, cause: trigger.cause, expectedPrice: trigger.level, decidedAfterBar: candle.openTime.addingTimeInterval(-1),
            plannedExits: nil, immediateFill: (trigger.price, candle))
        {
            try apply(execution)
        }
    }

    /// An exit closes what was bought so far; the rest of a partly filled entry must not keep buying after it.
    private mutating func cancelWorkingEntries(_ symbol: Symbol) {
        for (id, order) in working where order.order.symbol == symbol && order.order.side == .buy {
            venue.cancel(id)
            working[id] = nil
        }
    }

    @discardableResult
    private mutating func submit(
        id: String, instance: String, symbol: Symbol, side: TradeSide, quantity: Decimal, cause: OrderCause, expectedPrice: Decimal,
        decidedAfterBar: Date, plannedExits: ExitPlan?, immediateFill: (price: Decimal, bar: Candle)?
    ) -> BrokerExecution? {
        nextOrderID += 1
        let order = BrokerOrder(
            clientOrderID: id, symbol: symbol, side: side, quantity: quantity, cause: cause, filledQuantity: 0, averageFillPrice: nil,
            expectedPrice: expectedPrice, decidedAfterBar: decidedAfterBar, placedAt: decidedAfterBar, fillCount: 0, immediateFill: immediateFill)
        if side == .buy { entryInstance[nextOrderID] = instance }
        working[id] = WorkingOrder(id: nextOrderID, instance: instance, order: order, plannedExits: plannedExits, decisionPrice: expectedPrice)
        return venue.submit(order)
    }

    private mutating func apply(_ execution: BrokerExecution) throws(AccountingError) {
        guard var order = working[execution.clientOrderID] else { return }
        let fill = FillInput(
            orderID: order.id, side: order.order.side, quantity: execution.positionQuantity, price: execution.price, fee: execution.fee,
            time: execution.time, cause: order.order.cause)
        let outcome = try kernel.apply(fill, symbol: order.order.symbol, plannedExits: order.plannedExits)
        var fillMarks = marks
        if fillMarks[order.order.symbol] == nil { fillMarks[order.order.symbol] = execution.price }
        _ = kernel.valuation(marks: fillMarks)
        if let trade = outcome.closedTrade {
            roundTrips.append(RoundTrip(instance: trade.entryOrderID.flatMap { entryInstance[$0] } ?? order.instance, trade: trade))
        }
        venue.confirm(execution)
        order.order.filledQuantity += execution.quantity
        order.order.fillCount += 1
        order.order.lastFillBar = execution.bar
        working[execution.clientOrderID] = order.order.remainingQuantity > 0 ? order : nil
    }
}
