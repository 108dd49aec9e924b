import Foundation
import KeelsonDomain
import KeelsonIndicators
import KeelsonStrategies
import KeelsonTrading

/// Backtests over candles already in memory; `BacktestRun` streams longer histories.
public enum Backtester {
    /// - Parameter progress: told (bars done, bars in all) every 65,536 bars, for a progress bar.
    public static func run(
        strategy: any Strategy, candles: [Candle], configuration: BacktestConfiguration, progress: ((Int, Int) -> Void)? = nil
    ) -> BacktestResult {
        var run = BacktestRun(strategy: strategy, configuration: configuration)
        for (index, bar) in candles.enumerated() {
            if let progress, index & 0xFFFF == 0 { progress(index, candles.count) }
            run.process(bar, bar.ohlcv)
        }
        return run.finish()
    }

    /// The most whole lots that cash buys at the open, fees and slippage included, and this bar's fill of them
    /// (part of them when the model caps a bar's share of volume), so the caller need not simulate it again.
    static func allInEntry(cash: Decimal, open: Decimal, bar: Candle, execution: ExecutionModel, rules: SymbolRules) -> (
        quantity: Decimal, fill: SimulatedFill
    )? {
        guard open.isPositive, cash.isPositive else { return nil }
        var quantity = cash.quotient(dividingBy: open, toMultipleOf: rules.stepSize, .down)
        while quantity.isPositive, let fill = execution.fill(side: .buy, quantity: quantity, referencePrice: open, bar: bar, rules: rules) {
            let cost = fill.price.times(fill.quantity).plus(fill.fee)
            if !cost.isAbove(cash) { return (quantity, fill) }
            // Strictly smaller each time: the ratio is below 1 and the result is rounded down.
            quantity = quantity.times(cash).quotient(dividingBy: cost, toMultipleOf: rules.stepSize, .down)
        }
        return nil
    }
}
