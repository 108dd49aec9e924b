import Foundation

extension Decimal {
    /// This value rounded to a multiple of `step` (a tick size or lot step); `step` ≤ 0 leaves it as it is.
    public func rounded(toMultipleOf step: Decimal, _ mode: NSDecimalNumber.RoundingMode) -> Decimal {
        guard step.isPositive else { return self }
        // Ticks and lot steps are nearly always powers of ten (1, 0.01, 0.00001): rounding to a scale, no division.
        if let scale = step.powerOfTenScale { return rounded(scale: scale, mode) }
        return quotient(dividingBy: step, scale: 0, mode).times(step)
    }

    /// `(self / divisor).rounded(toMultipleOf: step, mode)`, in one exact step when `step` is a power of ten
    /// (the most of a lot step that cash buys at a price).
    public func quotient(dividingBy divisor: Decimal, toMultipleOf step: Decimal, _ mode: NSDecimalNumber.RoundingMode) -> Decimal {
        guard step.isPositive, let scale = step.powerOfTenScale else { return (self / divisor).rounded(toMultipleOf: step, mode) }
        return quotient(dividingBy: divisor, scale: scale, mode)
    }

    /// `n` when this value is 10^−n (0.01 → 2, 1 → 0, 100 → −2).
    var powerOfTenScale: Int? {
        guard let parts = DecimalParts(self), parts.coefficient == 1, !parts.isNegative else { return nil }
        return -parts.exponent
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
