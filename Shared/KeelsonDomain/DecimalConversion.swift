import Foundation

extension Decimal {
    /// The nearest Double, for indicators and statistics only; money stays Decimal.
    public var doubleValue: Double {
        NSDecimalNumber(decimal: self).doubleValue
    }
}
