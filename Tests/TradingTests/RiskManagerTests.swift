import Foundation
import KeelsonDomain
import KeelsonTrading
import Testing

@Suite("Risk manager: entry plans")
struct RiskManagerTests {
    /// 1 % risk, 2 ATR stop, 3:1 take-profit, 3 ATR trailing, 2500 max notional, 25 % exposure, 3 positions,
    /// 5 bars of cooldown, 5 % daily loss, 15 % drawdown; a 0.1 % taker fee.
    static let settings = RiskSettings(
        riskPerTradePercent: 1, atrPeriod: 14, stopATRMultiple: 2, takeProfitRewardRatio: 3, trailingATRMultiple: 3, maxPositionNotional: 2500,
        maxSymbolExposurePercent: 25, maxOpenPositions: 3, cooldownBars: 5, dailyLossLimitPercent: 5, maxDrawdownPercent: 15)
    let risk = RiskManager(settings: Self.settings, takerFeeRate: dec("0.001"))
    let now = utc(2024, 3, 1, 12)

    func context(
        price: Decimal = 30_000, atr: Double? = 50, equity: Decimal = 10_000, cash: Decimal = 10_000, openPositions: Int = 0,
        hasPosition: Bool = false, state: TradingState = .active, cooldownUntil: Date? = nil, now: Date? = nil,
        rules: SymbolRules = .defaultSpot
    ) -> RiskManager.EntryContext {
        RiskManager.EntryContext(
            symbol: btc, price: price, atr: atr, equity: equity, cash: cash, openPositions: openPositions, hasPosition: hasPosition,
            state: state, cooldownUntil: cooldownUntil, now: now ?? self.now, rules: rules
        )
    }

    func rejection(_ result: Result<RiskManager.EntryPlan, RiskRejection>, sourceLocation: SourceLocation = #_sourceLocation) -> RiskRejection? {
        switch result {
        case .success(let plan):
            Issue.record("expected a rejection, got \(plan)", sourceLocation: sourceLocation)
            return nil
        case .failure(let rejection): return rejection
        }
    }

    /// The autonomous defaults (docs/ENGINE.md, "Why these defaults"); the tests below use the tighter `settings`.
    @Test func conservativeDefaults() {
        let s = RiskSettings.conservative(maxCapital: 10_000)
        #expect(s.riskPerTradePercent == 1 && s.atrPeriod == 60 && s.stopATRMultiple == 5)
        #expect(s.takeProfitRewardRatio == 3 && s.trailingATRMultiple == 6)
        #expect(s.maxPositionNotional == 2500 && s.maxSymbolExposurePercent == 25)
        #expect(s.maxOpenPositions == 3 && s.cooldownBars == 5 && s.dailyLossLimitPercent == 5 && s.maxDrawdownPercent == 15)
    }

    /// Equity 10000, 1 % → 100 at risk; ATR 50 × 2 → stop distance 100 → 1 BTC by risk, but 2500 / 30000 =
    /// 0.083333… by the notional cap → 0.08333 on the 0.00001 lot step.
    @Test func sizedByRiskThenCappedByMaxPositionNotional() throws {
        let plan = try risk.planEntry(context()).get()
        #expect(plan.stopDistance == 100)
        #expect(plan.quantity == dec("0.08333"))
        #expect(plan.stops.stopPrice == 29_900)
        // 30000 + 3 × 100.
        #expect(plan.stops.takeProfitPrice == 30_300)
        // 3 × ATR 50.
        #expect(plan.stops.trailingDistance == 150)
        #expect(plan.stops.highestPrice == 30_000)
        // Trailing starts at 30000 − 150 = 29850, under the fixed stop: the fixed stop is in force.
        #expect(plan.stops.trailingStopPrice == 29_850)
        #expect(plan.stops.effectiveStop.price == 29_900)
        #expect(plan.stops.effectiveStop.cause == .stopLoss)
    }

    /// Price 1000, ATR 50 → stop distance 100, 100 at risk → exactly 1 unit (1000 notional, under every cap).
    @Test func sizedByRiskPerTrade() throws {
        let plan = try risk.planEntry(context(price: 1000)).get()
        #expect(plan.quantity == 1)
        #expect(plan.quantity * plan.stopDistance == 100)
        #expect(plan.stops.stopPrice == 900)
        #expect(plan.stops.takeProfitPrice == 1300)
        #expect(plan.stops.trailingDistance == 150)
    }

    /// ATR 12.3456: stop distance 24.6912 → up to the tick 24.70; trailing 37.0368 → 37.04. 0.5 % of 10000 = 50 at
    /// risk → 50 / 24.70 = 2.0242914… → 2.02429. Stop 1000 − 24.70 = 975.30; take-profit 1000 + 3 × 24.70 = 1074.10.
    @Test func distancesRoundUpToTheTick() throws {
        var settings = Self.settings
        settings.riskPerTradePercent = dec("0.5")
        let risk = RiskManager(settings: settings, takerFeeRate: dec("0.001"))
        let plan = try risk.planEntry(context(price: 1000, atr: 12.3456)).get()
        #expect(plan.stopDistance == dec("24.7"))
        #expect(plan.quantity == dec("2.02429"))
        #expect(plan.stops.stopPrice == dec("975.3"))
        #expect(plan.stops.takeProfitPrice == dec("1074.1"))
        #expect(plan.stops.trailingDistance == dec("37.04"))
    }

    @Test func noTakeProfitOrTrailingWhenNotConfigured() throws {
        var settings = Self.settings
        settings.takeProfitRewardRatio = nil
        settings.trailingATRMultiple = nil
        let plan = try RiskManager(settings: settings, takerFeeRate: 0).planEntry(context(price: 1000)).get()
        #expect(plan.stops.takeProfitPrice == nil)
        #expect(plan.stops.trailingDistance == nil)
        #expect(plan.stops.trailingStopPrice == nil)
        #expect(plan.stops.stopPrice == 900)
    }

    /// 99 % of cash 505.55… / 1.001 = 500 after the fee → 0.5 at 1000, although risk alone would buy 1.
    @Test func cappedByCashIncludingTheFeeAndAReserve() throws {
        let cash = dec("505.55")
        let plan = try risk.planEntry(context(price: 1000, cash: cash)).get()
        #expect(plan.quantity == dec("0.49999"))
        // The buy and its fee leave at least 1 % of the cash for slippage.
        #expect(plan.quantity * 1000 * dec("1.001") <= cash * RiskManager.cashUsable)
        #expect(cash - plan.quantity * 1000 * dec("1.001") >= cash / 100)
    }

    /// 10 % of 10000 = 1000 of exposure → 1000 / 30000 = 0.0333… → 0.03333 (the notional cap 2500 is looser).
    @Test func cappedBySymbolExposure() throws {
        var settings = Self.settings
        settings.maxSymbolExposurePercent = 10
        let plan = try RiskManager(settings: settings, takerFeeRate: dec("0.001")).planEntry(context()).get()
        #expect(plan.quantity == dec("0.03333"))
    }

    @Test func noCashIsInsufficientCash() {
        #expect(rejection(risk.planEntry(context(cash: 0)))?.code == .insufficientCash)
        #expect(rejection(risk.planEntry(context(cash: -5)))?.code == .insufficientCash)
    }

    /// Equity 10: 0.1 at risk, but a 25 % exposure cap of 2.5 → 0.00008 BTC = 2.40, under the 5 minimum notional.
    @Test func tooSmallAnOrderIsRejected() {
        let rejected = rejection(risk.planEntry(context(equity: 10, cash: 10)))
        #expect(rejected?.code == .orderTooSmall)
        #expect(rejected?.reason.contains("minimum notional 5") == true)
    }

    @Test func haltedAndStoppedRefuseEntries() {
        #expect(rejection(risk.planEntry(context(state: .halted)))?.code == .tradingHalted)
        #expect(rejection(risk.planEntry(context(state: .stopped)))?.code == .tradingStopped)
        // The state is checked first, whatever else is wrong.
        #expect(rejection(risk.planEntry(context(atr: nil, hasPosition: true, state: .halted)))?.code == .tradingHalted)
        #expect(TradingState.active.allowsEntries && TradingState.active.allowsExits)
        #expect(!TradingState.halted.allowsEntries && TradingState.halted.allowsExits)
        #expect(!TradingState.stopped.allowsEntries && !TradingState.stopped.allowsExits)
    }

    @Test func oneOpenPositionPerSymbol() {
        let rejected = rejection(risk.planEntry(context(hasPosition: true)))
        #expect(rejected?.code == .positionOpen)
        #expect(rejected?.reason.contains("BTCUSDT") == true)
    }

    @Test func maxOpenPositions() throws {
        let rejected = rejection(risk.planEntry(context(openPositions: 3)))
        #expect(rejected?.code == .maxOpenPositions)
        #expect(rejected?.reason == "3 positions are open, the maximum is 3")
        #expect(rejection(risk.planEntry(context(openPositions: 4)))?.code == .maxOpenPositions)
        #expect(try risk.planEntry(context(openPositions: 2)).get().quantity == dec("0.08333"))
    }

    /// 5 bars of 1 h after a stop-out at 10:00 → entries allowed again from 15:00.
    @Test func cooldownAfterAStopOut() throws {
        let stopOut = utc(2024, 3, 1, 10)
        let end = risk.cooldownEnd(afterStopOutAt: stopOut, interval: .oneHour)
        #expect(end == utc(2024, 3, 1, 15))
        #expect(risk.cooldownEnd(afterStopOutAt: stopOut, interval: .oneDay) == utc(2024, 3, 6, 10))

        let during = rejection(risk.planEntry(context(cooldownUntil: end, now: utc(2024, 3, 1, 14, 59, 59))))
        #expect(during?.code == .cooldown)
        #expect(during?.reason.contains("BTCUSDT") == true)
        #expect(try risk.planEntry(context(cooldownUntil: end, now: end)).get().quantity == dec("0.08333"))
        #expect(try risk.planEntry(context(cooldownUntil: end, now: utc(2024, 3, 1, 16))).get().quantity == dec("0.08333"))
    }

    @Test func zeroCooldownBarsEndsAtTheStopOut() {
        var settings = Self.settings
        settings.cooldownBars = 0
        let stopOut = utc(2024, 3, 1, 10)
        #expect(RiskManager(settings: settings, takerFeeRate: 0).cooldownEnd(afterStopOutAt: stopOut, interval: .oneHour) == stopOut)
    }

    @Test func noVolatilityWithoutAUsableATR() {
        let missing = rejection(risk.planEntry(context(atr: nil)))
        #expect(missing?.code == .noVolatility)
        #expect(missing?.reason.contains("ATR(14)") == true)
        #expect(missing?.reason.contains("15 candles") == true)
        #expect(rejection(risk.planEntry(context(atr: 0)))?.code == .noVolatility)
        #expect(rejection(risk.planEntry(context(atr: -3)))?.code == .noVolatility)
        #expect(rejection(risk.planEntry(context(atr: .nan)))?.code == .noVolatility)
        // A stop 2 × 30 = 60 below a price of 50 would be under zero.
        #expect(rejection(risk.planEntry(context(price: 50, atr: 30)))?.code == .noVolatility)
        // 2 × 25 = 50: a stop at exactly zero is not usable either.
        #expect(rejection(risk.planEntry(context(price: 50, atr: 25)))?.code == .noVolatility)
    }

    @Test func noPriceIsRejected() {
        #expect(rejection(risk.planEntry(context(price: 0)))?.code == .noPrice)
    }
}

@Suite("Risk manager: loss limits")
struct LossLimitTests {
    let risk = RiskManager(settings: .conservative(maxCapital: 10_000), takerFeeRate: dec("0.001"))

    /// 10000 → 9500 is a 5 % loss: exactly the limit, which counts as reached.
    @Test func dailyLossAtExactlyTheLimit() throws {
        let breach = try #require(risk.limitBreach(equity: 9500, dayStartEquity: 10_000, peakEquity: 10_000))
        #expect(breach.kind == .dailyLossLimit)
        #expect(breach.reason.contains("daily loss 5 %"))
        #expect(breach.reason.contains("limit of 5 %"))
        #expect(breach.reason.contains("equity 9500 against 10000"))
    }

    @Test func justUnderTheDailyLimit() {
        // 4.99 % down on the day and from the peak.
        #expect(risk.limitBreach(equity: 9501, dayStartEquity: 10_000, peakEquity: 10_000) == nil)
    }

    /// 10000 → 8500 from the peak is 15 %; the day only lost 100 / 8600 = 1.16 %.
    @Test func drawdownAtExactlyTheLimit() throws {
        let breach = try #require(risk.limitBreach(equity: 8500, dayStartEquity: 8600, peakEquity: 10_000))
        #expect(breach.kind == .maxDrawdown)
        #expect(breach.reason.contains("drawdown 15 %"))
        #expect(breach.reason.contains("a peak of 10000"))
        #expect(risk.limitBreach(equity: 8000, dayStartEquity: 8100, peakEquity: 10_000)?.kind == .maxDrawdown)
    }

    @Test func belowBothLimits() {
        // Day: 200 / 9200 = 2.17 %; drawdown 10 %.
        #expect(risk.limitBreach(equity: 9000, dayStartEquity: 9200, peakEquity: 10_000) == nil)
        // A winning day.
        #expect(risk.limitBreach(equity: 10_500, dayStartEquity: 10_000, peakEquity: 10_500) == nil)
    }

    @Test func dailyLossIsReportedFirstWhenBothAreBroken() {
        #expect(risk.limitBreach(equity: 8000, dayStartEquity: 10_000, peakEquity: 10_000)?.kind == .dailyLossLimit)
    }

    @Test func missingReferencesAreSkipped() {
        #expect(risk.limitBreach(equity: 1, dayStartEquity: 0, peakEquity: 0) == nil)
        #expect(risk.limitBreach(equity: 8000, dayStartEquity: 0, peakEquity: 10_000)?.kind == .maxDrawdown)
    }
}
