import Foundation
import KeelsonDomain
import KeelsonTrading

/// The loss limits in Doubles, so that a backtest asks the kernel's exact check only on bars that may matter: a
/// bar whose equity is near a limit, or too near the peak to tell whether it is a new one. A clearly new peak is
/// kept as its exact parts and turned into a Decimal only when a check needs it, since a Decimal multiply on every
/// bar would cost more than the rest of the bar. Bars out of the market after the first change nothing: equity is
/// the cash, and the day starts with it.
struct LossLimitWatch {
    /// A new peak of equity, as cash plus the quantity held at the bar's close.
    struct PendingPeak {
        var cash: Decimal
        var quantity: Decimal
        var close: Decimal

        var equity: Decimal { cash.plus(quantity.times(close)) }
    }

    enum Observation { case clear, newPeak, check }

    /// Relative room left for the error of a Double equity (about 1e-15 of it) and for rounding at the limit.
    static let margin = 1e-9

    private let dailyFloor: Double
    private let drawdownFloor: Double
    private var dayStart: Double
    /// The highest equity known, exact or pending.
    private var peak: Double
    var pendingPeak: PendingPeak?
    /// Set once a bar out of the market has been looked at; a fill clears it.
    var flatSeen = false

    init(settings: RiskSettings, initialEquity: Double) {
        dailyFloor = 1 - settings.dailyLossLimitPercent.doubleValue / 100
        drawdownFloor = 1 - settings.maxDrawdownPercent.doubleValue / 100
        dayStart = initialEquity
        peak = initialEquity
    }

    mutating func dayStarted(equity: Decimal) {
        dayStart = equity.doubleValue
    }

    /// What the bar's equity calls for.
    mutating func observe(equity: Double) -> Observation {
        if equity > peak * (1 + Self.margin) {
            peak = equity
            return .newPeak
        }
        if equity >= peak * (1 - Self.margin) { return .check }
        if equity <= dayStart * dailyFloor * (1 + Self.margin) || equity <= peak * drawdownFloor * (1 + Self.margin) { return .check }
        return .clear
    }

    /// After an exact check: the kernel's peak is the only one.
    mutating func settled(peak exact: Decimal) {
        pendingPeak = nil
        peak = exact.doubleValue
    }

    /// After a fill, which may have raised the kernel's peak.
    mutating func filled(peak exact: Decimal) {
        peak = max(peak, exact.doubleValue)
        flatSeen = false
    }
}
