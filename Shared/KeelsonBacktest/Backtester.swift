import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonStrategies
import KeelsonTrading

/// Runs a strategy over history with the live trading code: the strategy's signals on each bar's close, orders
/// that fill at the next bar's open through `ExecutionModel`, entries sized all-in or by `RiskManager`, exits by
/// signal or by `ProtectiveStops`, and `Position` accounting. Deterministic: the same inputs give the same result.
public enum Backtester {
    /// An order the simulated broker is working, as the paper broker works it: filled at the opens of the bars
    /// after its decision, at most the execution model's share of each bar's volume at a time.
    struct WorkingOrder {
        var side: TradeSide
        /// nil: all-in, sized at the fill.
        var remaining: Decimal?
        var cause: OrderCause
        var exits: ExitPlan?
        var decidedAfterBar: Date
    }

    /// - Parameter progress: told (bars done, bars in all) every 65,536 bars, for a progress bar.
    public static func run(
        strategy: any Strategy, candles: [Candle], configuration: BacktestConfiguration, progress: ((Int, Int) -> Void)? = nil
    ) -> BacktestResult {
        var strategy = strategy
        var cash = configuration.initialCash
        var position: Position?
        var working: WorkingOrder?
        var trades: [ClosedTrade] = []
        var equity: [EquityPoint] = []
        equity.reserveCapacity(candles.count)
        var fees = Decimal(0)
        var barsInMarket = 0
        var orderID: Int64 = 0
        var lastStopOut: Date?
        var atr: ATR?
        var currentATR: Double?
        let execution = configuration.execution
        let rules = configuration.rules
        let latency = execution.latencyMilliseconds / 1000
        var riskManager: RiskManager?
        if case .risk(let settings) = configuration.sizing {
            riskManager = RiskManager(settings: settings, takerFeeRate: execution.takerFeeRate)
            atr = try? ATR(period: settings.atrPeriod)
        }

        /// Fills what it can of the working order at `referencePrice`; returns nothing, updates everything.
        func work(referencePrice: Decimal, bar: Candle, time: Date) {
            guard var order = working else { return }
            let wanted = order.remaining ?? allInQuantity(cash: cash, open: referencePrice, bar: bar, execution: execution, rules: rules)
            guard wanted > 0, let filled = execution.fill(side: order.side, quantity: wanted, referencePrice: referencePrice, bar: bar, rules: rules) else {
                working = nil
                return
            }
            if position == nil { orderID += 1 }
            var current = position ?? Position(symbol: bar.symbol, entryOrderID: orderID, openedAt: time.addingTimeInterval(latency), stops: nil)
            guard let effect = try? current.apply(FillInput(
                orderID: orderID, side: order.side, quantity: filled.quantity, price: filled.price, fee: filled.fee,
                time: time.addingTimeInterval(latency), cause: order.cause
            )) else {
                working = nil
                return
            }
            cash += effect.cashDelta
            fees += filled.fee
            if order.side == .buy, let exits = order.exits {
                var stops = exits.stops(entryPrice: current.averageEntryPrice, rules: rules)
                stops.highestPrice = max(current.stops?.highestPrice ?? 0, current.averageEntryPrice)
                current.stops = stops
            }
            if let trade = effect.closedTrade {
                trades.append(trade)
                if order.cause == .stopLoss || order.cause == .trailingStop { lastStopOut = trade.exitTime }
            }
            position = current.quantity > 0 ? current : nil
            order.remaining = wanted - filled.quantity
            working = order.remaining! > 0 && (order.side == .buy || position != nil) ? order : nil
        }

        for (index, bar) in candles.enumerated() {
            if let progress, index & 0xFFFF == 0 { progress(index, candles.count) }
            let ohlcv = bar.ohlcv
            // 1. Orders decided on an earlier close fill at this bar's open.
            if let order = working, bar.openTime > order.decidedAfterBar {
                work(referencePrice: bar.open, bar: bar, time: bar.openTime)
            }
            // 2. Protective stops (risk sizing): a crossed stop cancels the rest of the entry and exits at its level.
            if var held = position, let stops = held.stops, working?.side != .sell {
                if let trigger = stops.trigger(on: bar) {
                    working = WorkingOrder(side: .sell, remaining: held.quantity, cause: trigger.cause, exits: nil, decidedAfterBar: bar.openTime.addingTimeInterval(-1))
                    work(referencePrice: trigger.price, bar: bar, time: bar.closeTime)
                } else {
                    held.stops = stops.advanced(by: bar)
                    position = held
                }
            }
            if let value = atr?.update(ohlcv) { currentATR = value }
            // 3. The strategy sees the close; what it decides trades from the next open.
            for signal in strategy.evaluate(bar, bar: ohlcv) {
                switch signal.side {
                case .buy where position == nil && working?.side != .buy:
                    guard let riskManager else {
                        working = WorkingOrder(side: .buy, remaining: nil, cause: .signal, exits: nil, decidedAfterBar: bar.openTime)
                        continue
                    }
                    let context = RiskManager.EntryContext(
                        symbol: bar.symbol, price: signal.price, atr: currentATR, equity: cash, cash: cash, openPositions: 0, hasPosition: false,
                        state: .active, cooldownUntil: lastStopOut.map { riskManager.cooldownEnd(afterStopOutAt: $0, interval: bar.interval) },
                        now: bar.closeTime, rules: rules
                    )
                    if case .success(let plan) = riskManager.planEntry(context) {
                        working = WorkingOrder(
                            side: .buy, remaining: plan.quantity, cause: .signal, exits: plan.exitPlan(decisionPrice: signal.price), decidedAfterBar: bar.openTime
                        )
                    }
                case .sell where position != nil && working?.side != .sell:
                    working = WorkingOrder(side: .sell, remaining: position?.quantity, cause: .signal, exits: nil, decidedAfterBar: bar.openTime)
                default:
                    break
                }
            }
            if position != nil { barsInMarket += 1 }
            equity.append(EquityPoint(time: bar.openTime, equity: cash + (position?.marketValue(at: bar.close) ?? 0)))
        }

        let finalEquity = equity.last?.equity ?? configuration.initialCash
        let openTrade = position.map { held in
            BacktestResult.OpenTrade(
                entryTime: held.openedAt, entryPrice: held.averageEntryPrice, quantity: held.quantity,
                unrealizedPnl: held.unrealizedPnl(at: candles.last?.close ?? held.averageEntryPrice)
            )
        }
        let statistics = BacktestStatistics(
            initialCash: configuration.initialCash, equity: equity, trades: trades, feesPaid: fees, barsInMarket: barsInMarket
        )
        return BacktestResult(
            trades: trades, openTrade: openTrade, equity: equity, finalEquity: finalEquity, feesPaid: fees,
            barsInMarket: barsInMarket, statistics: statistics
        )
    }

    /// The most whole lots that cash buys at the open, fees and slippage included.
    static func allInQuantity(cash: Decimal, open: Decimal, bar: Candle, execution: ExecutionModel, rules: SymbolRules) -> Decimal {
        guard open > 0, cash > 0 else { return 0 }
        var quantity = (cash / open).rounded(toMultipleOf: rules.stepSize, .down)
        while quantity > 0, let fill = execution.fill(side: .buy, quantity: quantity, referencePrice: open, bar: bar, rules: rules),
              fill.price * fill.quantity + fill.fee > cash {
            // Strictly smaller each time: the ratio is below 1 and the result is rounded down.
            quantity = (quantity * cash / (fill.price * fill.quantity + fill.fee)).rounded(toMultipleOf: rules.stepSize, .down)
        }
        return quantity
    }
}
