import Foundation

extension Decimal {
    /// The nearest Double, for indicators and statistics only; money stays Decimal.
    public var doubleValue: Double {
        // A coefficient below 2^53 and a power of ten up to 10^22 are both exact Doubles, so one multiply or divide
        // gives the correctly rounded result (Clinger's fast path) without going through NSDecimalNumber.
        if let parts = DecimalParts(self), parts.coefficient < 1 << 53, abs(parts.exponent) <= 22 {
            let magnitude = Double(UInt64(parts.coefficient))
            let power = Self.doublePowersOfTen[abs(parts.exponent)]
            let value = parts.exponent < 0 ? magnitude / power : magnitude * power
            return parts.isNegative ? -value : value
        }
        return NSDecimalNumber(decimal: self).doubleValue
    }

    private static let doublePowersOfTen: [Double] = (0...22).map { power in (0..<power).reduce(1.0) { value, _ in value * 10 } }
}
