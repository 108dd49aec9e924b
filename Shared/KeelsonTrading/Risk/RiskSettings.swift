import Foundation

/// Every risk parameter. Autonomous mode derives all of them from max capital; expert mode reads each from
/// the engine configuration file. The loss limits (`dailyLossLimitPercent`, `maxDrawdownPercent`) are the
/// user's: an optimiser gets `RiskSettings` with them fixed and cannot change them.
public struct RiskSettings: Sendable, Equatable, Codable {
    /// Equity put at risk by one trade (distance to the stop × quantity), in percent.
    public var riskPerTradePercent: Decimal
    public var atrPeriod: Int
    /// Stop distance below entry, in ATRs.
    public var stopATRMultiple: Decimal
    /// Take-profit distance above entry as a multiple of the stop distance; nil: no take-profit.
    public var takeProfitRewardRatio: Decimal?
    /// Trailing stop distance below the highest price since entry, in ATRs; nil: no trailing stop.
    public var trailingATRMultiple: Decimal?
    public var maxPositionNotional: Decimal
    /// One symbol's position value as a share of equity, in percent.
    public var maxSymbolExposurePercent: Decimal
    public var maxOpenPositions: Int
    /// Bars without new entries on a symbol after a stop-out there.
    public var cooldownBars: Int
    public var dailyLossLimitPercent: Decimal
    public var maxDrawdownPercent: Decimal

    public init(
        riskPerTradePercent: Decimal, atrPeriod: Int, stopATRMultiple: Decimal, takeProfitRewardRatio: Decimal?,
        trailingATRMultiple: Decimal?, maxPositionNotional: Decimal, maxSymbolExposurePercent: Decimal,
        maxOpenPositions: Int, cooldownBars: Int, dailyLossLimitPercent: Decimal, maxDrawdownPercent: Decimal
    ) {
        self.riskPerTradePercent = riskPerTradePercent
        self.atrPeriod = atrPeriod
        self.stopATRMultiple = stopATRMultiple
        self.takeProfitRewardRatio = takeProfitRewardRatio
        self.trailingATRMultiple = trailingATRMultiple
        self.maxPositionNotional = maxPositionNotional
        self.maxSymbolExposurePercent = maxSymbolExposurePercent
        self.maxOpenPositions = maxOpenPositions
        self.cooldownBars = cooldownBars
        self.dailyLossLimitPercent = dailyLossLimitPercent
        self.maxDrawdownPercent = maxDrawdownPercent
    }

    /// Safe defaults for `maxCapital`: 1 % risk per trade, stops 5 ATR(60) away (outside a 1-minute market's ordinary
    /// noise, so a stop-out means the market turned; docs/ENGINE.md, "Why these defaults"), a 3:1 take-profit, a
    /// 6 ATR trailing stop (it takes over from the fixed stop once the price has gained 1 ATR), at most a quarter of
    /// capital in one position, 3 positions, 5 bars of cooldown, 5 % daily loss, 15 % drawdown.
    public static func conservative(maxCapital: Decimal) -> RiskSettings {
        RiskSettings(
            riskPerTradePercent: 1, atrPeriod: 60, stopATRMultiple: 5, takeProfitRewardRatio: 3, trailingATRMultiple: 6,
            maxPositionNotional: maxCapital / 4, maxSymbolExposurePercent: 25, maxOpenPositions: 3, cooldownBars: 5,
            dailyLossLimitPercent: 5, maxDrawdownPercent: 15
        )
    }

    /// Every setting within its sensible range, or the first one that is not.
    public func validated() throws(RiskSettingsError) -> RiskSettings {
        func check(_ ok: Bool, _ field: String, _ value: String, _ expected: String) throws(RiskSettingsError) {
            if !ok { throw RiskSettingsError(field: field, value: value, expected: expected) }
        }
        try check(riskPerTradePercent > 0 && riskPerTradePercent <= 10, "risk_per_trade_percent", "\(riskPerTradePercent)", "above 0 and at most 10")
        try check(atrPeriod >= 2 && atrPeriod <= 500, "atr_period", "\(atrPeriod)", "from 2 to 500")
        try check(stopATRMultiple > 0, "stop_atr_multiple", "\(stopATRMultiple)", "above 0")
        try check(
            takeProfitRewardRatio.map { $0 > 0 } ?? true, "take_profit_reward_ratio", "\(takeProfitRewardRatio ?? 0)", "above 0, or null for none")
        try check(trailingATRMultiple.map { $0 > 0 } ?? true, "trailing_atr_multiple", "\(trailingATRMultiple ?? 0)", "above 0, or null for none")
        try check(maxPositionNotional > 0, "max_position_notional", "\(maxPositionNotional)", "above 0")
        try check(
            maxSymbolExposurePercent > 0 && maxSymbolExposurePercent <= 100, "max_symbol_exposure_percent", "\(maxSymbolExposurePercent)",
            "above 0 and at most 100")
        try check(maxOpenPositions >= 1, "max_open_positions", "\(maxOpenPositions)", "at least 1")
        try check(cooldownBars >= 0, "cooldown_bars", "\(cooldownBars)", "0 or more")
        try check(
            dailyLossLimitPercent > 0 && dailyLossLimitPercent <= 100, "daily_loss_limit_percent", "\(dailyLossLimitPercent)",
            "above 0 and at most 100")
        try check(maxDrawdownPercent > 0 && maxDrawdownPercent <= 100, "max_drawdown_percent", "\(maxDrawdownPercent)", "above 0 and at most 100")
        return self
    }

    /// These settings with the user's loss limits kept from `user`: what an optimiser's proposal becomes.
    public func keepingLossLimits(of user: RiskSettings) -> RiskSettings {
        var settings = self
        settings.dailyLossLimitPercent = user.dailyLossLimitPercent
        settings.maxDrawdownPercent = user.maxDrawdownPercent
        return settings
    }

    enum CodingKeys: String, CodingKey {
        case riskPerTradePercent = "risk_per_trade_percent", atrPeriod = "atr_period", stopATRMultiple = "stop_atr_multiple"
        case takeProfitRewardRatio = "take_profit_reward_ratio", trailingATRMultiple = "trailing_atr_multiple"
        case maxPositionNotional = "max_position_notional", maxSymbolExposurePercent = "max_symbol_exposure_percent"
        case maxOpenPositions = "max_open_positions", cooldownBars = "cooldown_bars"
        case dailyLossLimitPercent = "daily_loss_limit_percent", maxDrawdownPercent = "max_drawdown_percent"
    }
}

public struct RiskSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let value: String
    public let expected: String

    public var description: String { "\(field): \(value) is out of range; expected \(expected)" }
}
