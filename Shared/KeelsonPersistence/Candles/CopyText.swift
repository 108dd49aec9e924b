import Foundation
import KeelsonDomain

/// Values rendered for PostgreSQL's COPY text format, fast: a backfill writes millions of rows, and
/// `Decimal.description` costs about 4 µs a value where `decimal(_:)` costs about 0.6 µs.
enum CopyText {
    /// Plain notation (`-0.000123`, `1000`), exact; values with more than 18 significant digits take the slow path.
    static func decimal(_ value: Decimal) -> String {
        let significand = value.significand
        let mantissa = NSDecimalNumber(decimal: significand).int64Value
        guard Decimal(mantissa) == significand else { return value.description }
        var digits = String(mantissa.magnitude)
        let exponent = value.exponent
        if exponent > 0 {
            digits += String(repeating: "0", count: exponent)
        } else if exponent < 0 {
            let scale = -exponent
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return value < 0 ? "-" + digits : digits
    }

    /// `2024-03-01 00:00:00.000+00`: ISO 8601 in UTC, which PostgreSQL reads whatever its DateStyle.
    static func utcTimestamp(epochMilliseconds: Int64) -> String {
        let (days, millisecondOfDay) = epochMilliseconds.floorDivided(by: 86_400_000)
        let (year, month, day) = UTCCalendar.civil(days: Int(days))
        let seconds = millisecondOfDay / 1000
        return
            "\(year)-\(twoDigits(month))-\(twoDigits(day)) \(twoDigits(seconds / 3600)):\(twoDigits(seconds / 60 % 60)):\(twoDigits(seconds % 60))."
            + "\(threeDigits(millisecondOfDay % 1000))+00"
    }

    private static func twoDigits<Value: BinaryInteger>(_ value: Value) -> String { value < 10 ? "0\(value)" : String(value) }
    private static func threeDigits(_ value: Int64) -> String { value < 10 ? "00\(value)" : value < 100 ? "0\(value)" : String(value) }
}
