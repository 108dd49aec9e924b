import Foundation
import KeelsonTrading
import Testing

@Suite("Risk settings")
struct RiskSettingsTests {
    static let user = RiskSettings.conservative(maxCapital: 10_000)

    /// What an optimiser might propose: every field different from the user's, loss limits loosened.
    static let proposal = RiskSettings(
        riskPerTradePercent: 2, atrPeriod: 20, stopATRMultiple: dec("2.5"), takeProfitRewardRatio: dec("1.5"),
        trailingATRMultiple: nil, maxPositionNotional: 5000, maxSymbolExposurePercent: 50, maxOpenPositions: 5,
        cooldownBars: 2, dailyLossLimitPercent: 50, maxDrawdownPercent: 90
    )

    @Test func conservativeScalesWithCapital() {
        #expect(RiskSettings.conservative(maxCapital: 10_000).maxPositionNotional == 2500)
        #expect(RiskSettings.conservative(maxCapital: 1000).maxPositionNotional == 250)
        #expect(RiskSettings.conservative(maxCapital: dec("333")).maxPositionNotional == dec("83.25"))
    }

    @Test func anOptimiserCannotChangeTheLossLimits() {
        let kept = Self.proposal.keepingLossLimits(of: Self.user)
        #expect(kept.dailyLossLimitPercent == 5)
        #expect(kept.maxDrawdownPercent == 15)
        // Everything else is the proposal's.
        #expect(kept.riskPerTradePercent == 2)
        #expect(kept.atrPeriod == 20)
        #expect(kept.stopATRMultiple == dec("2.5"))
        #expect(kept.takeProfitRewardRatio == dec("1.5"))
        #expect(kept.trailingATRMultiple == nil)
        #expect(kept.maxPositionNotional == 5000)
        #expect(kept.maxSymbolExposurePercent == 50)
        #expect(kept.maxOpenPositions == 5)
        #expect(kept.cooldownBars == 2)
        // Tighter limits proposed by the optimiser are not taken either: the user's are.
        var tighter = Self.proposal
        tighter.dailyLossLimitPercent = 1
        tighter.maxDrawdownPercent = 2
        let keptTighter = tighter.keepingLossLimits(of: Self.user)
        #expect(keptTighter.dailyLossLimitPercent == 5 && keptTighter.maxDrawdownPercent == 15)
    }

    /// The limits kept are the ones a risk manager enforces: with the proposal's 50 %, a 6 % daily loss would pass.
    @Test func keptLimitsAreEnforced() {
        let risk = RiskManager(settings: Self.proposal.keepingLossLimits(of: Self.user), takerFeeRate: 0)
        #expect(risk.limitBreach(equity: 9400, dayStartEquity: 10_000, peakEquity: 10_000)?.kind == .dailyLossLimit)
        #expect(RiskManager(settings: Self.proposal, takerFeeRate: 0).limitBreach(equity: 9400, dayStartEquity: 10_000, peakEquity: 10_000) == nil)
    }

    @Test func sensibleSettingsValidate() throws {
        #expect(try Self.user.validated() == Self.user)
        #expect(try Self.proposal.validated() == Self.proposal)
        var edges = Self.user
        edges.riskPerTradePercent = 10
        edges.atrPeriod = 2
        edges.maxSymbolExposurePercent = 100
        edges.cooldownBars = 0
        edges.dailyLossLimitPercent = 100
        edges.maxDrawdownPercent = 100
        #expect(try edges.validated() == edges)
    }

    @Test func outOfRangeSettingsNameTheField() {
        func field(_ change: (inout RiskSettings) -> Void) -> String? {
            var settings = Self.user
            change(&settings)
            do {
                _ = try settings.validated()
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field { $0.riskPerTradePercent = 0 } == "risk_per_trade_percent")
        #expect(field { $0.riskPerTradePercent = dec("10.01") } == "risk_per_trade_percent")
        #expect(field { $0.atrPeriod = 1 } == "atr_period")
        #expect(field { $0.atrPeriod = 501 } == "atr_period")
        #expect(field { $0.stopATRMultiple = 0 } == "stop_atr_multiple")
        #expect(field { $0.takeProfitRewardRatio = 0 } == "take_profit_reward_ratio")
        #expect(field { $0.trailingATRMultiple = -1 } == "trailing_atr_multiple")
        #expect(field { $0.maxPositionNotional = 0 } == "max_position_notional")
        #expect(field { $0.maxSymbolExposurePercent = 101 } == "max_symbol_exposure_percent")
        #expect(field { $0.maxOpenPositions = 0 } == "max_open_positions")
        #expect(field { $0.cooldownBars = -1 } == "cooldown_bars")
        #expect(field { $0.dailyLossLimitPercent = 0 } == "daily_loss_limit_percent")
        #expect(field { $0.maxDrawdownPercent = dec("100.5") } == "max_drawdown_percent")
        // The first broken field is the one named.
        #expect(
            field {
                $0.atrPeriod = 0; $0.maxOpenPositions = 0
            } == "atr_period")
    }

    @Test func codableUsesSnakeCaseKeys() throws {
        let json = """
            {"risk_per_trade_percent": 2, "atr_period": 20, "stop_atr_multiple": 2.5, "take_profit_reward_ratio": 1.5,
             "trailing_atr_multiple": null, "max_position_notional": 5000, "max_symbol_exposure_percent": 50,
             "max_open_positions": 5, "cooldown_bars": 2, "daily_loss_limit_percent": 50, "max_drawdown_percent": 90}
            """
        #expect(try JSONDecoder().decode(RiskSettings.self, from: Data(json.utf8)) == Self.proposal)
        #expect(try JSONDecoder().decode(RiskSettings.self, from: JSONEncoder().encode(Self.user)) == Self.user)
    }
}
