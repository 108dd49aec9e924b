import Foundation

extension Decimal {
    /// This value rounded to a multiple of `step` (a tick size or lot step); `step` ≤ 0 leaves it as it is.
    public func rounded(toMultipleOf step: Decimal, _ mode: NSDecimalNumber.RoundingMode) -> Decimal {
        guard step > 0 else { return self }
        // Whole units need no division (the backtester rounds every all-in order this way).
        if step == 1 { return rounded(scale: 0, mode) }
        var steps = self / step
        var whole = Decimal()
        NSDecimalRound(&whole, &steps, 0, mode)
        return whole * step
    }

    /// This value rounded to `scale` decimal places, so long quotients (averages, ratios) stay a sensible size.
    public func rounded(scale: Int, _ mode: NSDecimalNumber.RoundingMode = .plain) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, mode)
        return result
    }

    /// A binary floating-point figure (an ATR, a slippage factor) brought into exact money at `scale` places.
    public init(approximating value: Double, scale: Int = 8) {
        guard value.isFinite else {
            self = 0
            return
        }
        // Scaled to a whole number when that is exact in a Double (almost always), instead of through text.
        var power = 1.0
        for _ in 0..<max(0, scale) { power *= 10 }
        let scaled = (value * power).rounded()
        if scale >= 0, abs(scaled) < 9_007_199_254_740_992 {
            self = Decimal(sign: scaled < 0 ? .minus : .plus, exponent: -scale, significand: Decimal(UInt64(abs(scaled))))
        } else {
            self = Decimal(string: String(format: "%.\(scale)f", value)) ?? 0
        }
    }
}
