import Foundation

/// The risk settings an optimiser may search, each within hard safety bounds (a settings file's `optimizer_bounds`
/// may only narrow them). The loss limits and the capital limit are the user's: never searchable.
public enum RiskSearchBounds {
    public struct Bound: Sendable, Equatable {
        public var name: String
        public var range: ClosedRange<Double>
        public var wholeNumbers: Bool
    }

    public static let searchable: [Bound] = [
        Bound(name: "risk_per_trade_percent", range: 0.5...2, wholeNumbers: false),
        Bound(name: "stop_atr_multiple", range: 1...10, wholeNumbers: false),
        Bound(name: "take_profit_reward_ratio", range: 1...10, wholeNumbers: false),
        Bound(name: "trailing_atr_multiple", range: 1...10, wholeNumbers: false),
        Bound(name: "atr_period", range: 5...200, wholeNumbers: true),
        Bound(name: "cooldown_bars", range: 0...100, wholeNumbers: true),
        Bound(name: "max_open_positions", range: 1...10, wholeNumbers: true),
    ]

    /// The user's: an optimiser neither searches nor changes them.
    public static let userLimits = ["daily_loss_limit_percent", "max_drawdown_percent", "max_position_notional", "max_symbol_exposure_percent"]

    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The bounds of `name`, narrowed by `narrowed` (a settings file's `optimizer_bounds`); a one-line reason otherwise.
    public static func bound(_ name: String, narrowed: [String: ClosedRange<Double>] = [:]) -> Result<Bound, Refusal> {
        if userLimits.contains(name) {
            return .failure(Refusal(description: "\(name) is the user's loss or capital limit; an optimiser never searches or changes it"))
        }
        guard var bound = searchable.first(where: { $0.name == name }) else {
            return .failure(
                Refusal(
                    description:
                        "\(name) is not a risk setting an optimiser may search; searchable: \(searchable.map(\.name).joined(separator: ", "))"))
        }
        if let narrower = narrowed[name] { bound.range = narrower }
        return .success(bound)
    }
}

extension RiskSettings {
    /// These settings with one searchable setting (`RiskSearchBounds`) set to `value`; the loss limits untouched.
    public func setting(_ name: String, to value: Double) -> RiskSettings {
        var settings = self
        let decimal = Decimal(string: "\(value)") ?? Decimal(value)
        switch name {
        case "risk_per_trade_percent": settings.riskPerTradePercent = decimal
        case "stop_atr_multiple": settings.stopATRMultiple = decimal
        case "take_profit_reward_ratio": settings.takeProfitRewardRatio = decimal
        case "trailing_atr_multiple": settings.trailingATRMultiple = decimal
        case "atr_period": settings.atrPeriod = Int(value)
        case "cooldown_bars": settings.cooldownBars = Int(value)
        case "max_open_positions": settings.maxOpenPositions = Int(value)
        default: break
        }
        return settings.keepingLossLimits(of: self)
    }
}
