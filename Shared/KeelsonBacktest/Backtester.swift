import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonStrategies
import KeelsonTrading

/// Runs a strategy over history with the live trading code: the strategy's signals on each bar's close, orders
/// that fill at the next bar's open through `ExecutionModel`, entries sized all-in or by `RiskManager`, exits by
/// signal or by `ProtectiveStops`, and `Position` accounting. Deterministic: the same inputs give the same result.
public enum Backtester {
    public static func run(strategy: any Strategy, candles: [Candle], configuration: BacktestConfiguration) -> BacktestResult {
        var strategy = strategy
        var cash = configuration.initialCash
        var position: Position?
        var pending: TradeSide?
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
        var riskManager: RiskManager?
        if case .risk(let settings) = configuration.sizing {
            riskManager = RiskManager(settings: settings, takerFeeRate: execution.takerFeeRate)
            atr = try? ATR(period: settings.atrPeriod)
        }

        func fill(_ side: TradeSide, quantity: Decimal, referencePrice: Decimal, bar: Candle, cause: OrderCause, time: Date) {
            guard quantity > 0, let filled = execution.fill(side: side, quantity: quantity, referencePrice: referencePrice, bar: bar, rules: rules) else { return }
            orderID += 1
            var current = position ?? Position(symbol: bar.symbol, entryOrderID: orderID, openedAt: time, stops: nil)
            guard let effect = try? current.apply(FillInput(
                orderID: orderID, side: side, quantity: filled.quantity, price: filled.price, fee: filled.fee, time: time, cause: cause
            )) else { return }
            cash += effect.cashDelta
            fees += filled.fee
            if let trade = effect.closedTrade {
                trades.append(trade)
                if cause == .stopLoss || cause == .trailingStop { lastStopOut = trade.exitTime }
            }
            position = current.quantity > 0 ? current : nil
        }

        for bar in candles {
            let ohlcv = bar.ohlcv
            // 1. The order decided on the previous close fills at this bar's open.
            if let side = pending {
                pending = nil
                switch side {
                case .buy where position == nil:
                    let quantity: Decimal
                    if let riskManager {
                        let context = RiskManager.EntryContext(
                            symbol: bar.symbol, price: bar.open, atr: currentATR, equity: cash, cash: cash, openPositions: 0, hasPosition: false,
                            state: .active, cooldownUntil: lastStopOut.map { riskManager.cooldownEnd(afterStopOutAt: $0, interval: bar.interval) },
                            now: bar.openTime, rules: rules
                        )
                        switch riskManager.planEntry(context) {
                        case .success(let plan): quantity = plan.quantity
                        case .failure: quantity = 0
                        }
                    } else {
                        quantity = allInQuantity(cash: cash, open: bar.open, bar: bar, execution: execution, rules: rules)
                    }
                    fill(.buy, quantity: quantity, referencePrice: bar.open, bar: bar, cause: .signal, time: bar.openTime)
                    if let riskManager, var opened = position, let atrValue = currentATR {
                        let distance = rules.roundedPrice(Decimal(approximating: atrValue) * riskManager.settings.stopATRMultiple, .up)
                        opened.stops = ProtectiveStops(
                            stopPrice: rules.roundedPrice(opened.averageEntryPrice - distance, .down),
                            takeProfitPrice: riskManager.settings.takeProfitRewardRatio.map { rules.roundedPrice(opened.averageEntryPrice + distance * $0, .up) },
                            trailingDistance: riskManager.settings.trailingATRMultiple.map { rules.roundedPrice(Decimal(approximating: atrValue) * $0, .up) },
                            highestPrice: opened.averageEntryPrice
                        )
                        position = opened
                    }
                case .sell where position != nil:
                    fill(.sell, quantity: position?.quantity ?? 0, referencePrice: bar.open, bar: bar, cause: .signal, time: bar.openTime)
                default:
                    break
                }
            }
            // 2. Protective stops on this bar (risk sizing only).
            if var held = position, let stops = held.stops {
                if let trigger = stops.trigger(on: bar) {
                    fill(.sell, quantity: held.quantity, referencePrice: trigger.price, bar: bar, cause: trigger.cause, time: bar.closeTime)
                } else {
                    held.stops = stops.advanced(by: bar)
                    position = held
                }
            }
            if let value = atr?.update(ohlcv) { currentATR = value }
            // 3. The strategy sees the close; what it says trades at the next open.
            for signal in strategy.evaluate(bar, bar: ohlcv) {
                if signal.side == .buy, position == nil { pending = .buy }
                if signal.side == .sell, position != nil { pending = .sell }
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
