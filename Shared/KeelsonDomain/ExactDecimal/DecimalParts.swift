import Foundation

/// A finite `Decimal` as sign, coefficient and power of ten — read from, and written back to, Foundation's own
/// storage.
///
/// Why: Foundation's `Decimal` arithmetic copies both operands' mantissas into heap arrays on every operation,
/// about a microsecond each, and the accounting a backtest runs tens of thousands of times is a few dozen such
/// operations per fill. Foundation stores a `Decimal` as the NSDecimal record — an 8-bit exponent, a byte holding
/// the mantissa's length in 16-bit words and the sign and compact flags, two reserved bytes, then the 128-bit
/// mantissa as eight little-endian words — so the common cases can be done with integer arithmetic on that
/// record, and every result written back exactly as Foundation writes its own (trailing zeros moved into the
/// exponent, compact flag set, zero all zero bits). `DecimalTests` checks that byte for byte against Foundation.
///
/// The record's flag bits are laid out differently on other platforms, so the layout is verified once against
/// values Foundation made; if it does not match, `init?(_:)` always answers nil and every operation is
/// Foundation's own.
struct DecimalParts: Equatable {
    var isNegative: Bool
    /// Below 10^38, the most digits Foundation keeps exactly.
    var coefficient: UInt128
    var exponent: Int

    // Computed rather than stored: a stored static is initialised lazily and checked on every use.
    static var zero: DecimalParts { DecimalParts(isNegative: false, coefficient: 0, exponent: 0) }

    static var maximumCoefficient: UInt128 { 99_999_999_999_999_999_999_999_999_999_999_999_999 }

    /// Powers of ten that fit 128 bits: 10^0 … 10^38.
    static let powersOfTen: [UInt128] = (0...38).map { power in (0..<power).reduce(UInt128(1)) { value, _ in value * 10 } }

    /// The storage of a `Decimal`, field for field.
    private struct Record {
        var exponent: Int8
        /// Length in words in the high four bits, then the negative flag, then the compact flag.
        var flags: UInt8
        var reserved: UInt16
        var words: (UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16)
    }

    private static let lengthShift: UInt8 = 4
    private static let negativeFlag: UInt8 = 0b1000
    private static let compactFlag: UInt8 = 0b0100

    /// Whether this platform's `Decimal` is the record above: checked once on values Foundation made itself.
    static let layoutIsKnown: Bool = {
        guard MemoryLayout<Decimal>.size == MemoryLayout<Record>.size, MemoryLayout<Decimal>.alignment == MemoryLayout<Record>.alignment else {
            return false
        }
        let samples: [(String, DecimalParts)] = [
            ("1.5", DecimalParts(isNegative: false, coefficient: 15, exponent: -1)),
            ("-1000000.001", DecimalParts(isNegative: true, coefficient: 1_000_000_001, exponent: -3)),
            ("4200", DecimalParts(isNegative: false, coefficient: 42, exponent: 2)),
            ("123456789012345678901234567.89", DecimalParts(isNegative: false, coefficient: 12_345_678_901_234_567_890_123_456_789, exponent: -2)),
        ]
        for (text, expected) in samples {
            guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")),
                decode(value) == expected, let written = expected.encoded(),
                withUnsafeBytes(of: written, { Array($0) }) == withUnsafeBytes(of: value, { Array($0) })
            else { return false }
        }
        return decode(Decimal.nan) == nil && decode(Decimal(0)) == DecimalParts(isNegative: false, coefficient: 0, exponent: 0)
    }()

    /// nil for NaN, for a platform whose layout is not the one above, and for stored values this code does not
    /// write (a length beyond eight words).
    init?(_ value: Decimal) {
        guard Self.layoutIsKnown, let parts = Self.decode(value) else { return nil }
        self = parts
    }

    init(isNegative: Bool, coefficient: UInt128, exponent: Int) {
        self.isNegative = isNegative
        self.coefficient = coefficient
        self.exponent = exponent
    }

    private static func decode(_ value: Decimal) -> DecimalParts? {
        let record = unsafeBitCast(value, to: Record.self)
        let length = Int(record.flags >> lengthShift)
        let isNegative = record.flags & negativeFlag != 0
        guard length > 0 else { return isNegative ? nil : DecimalParts(isNegative: false, coefficient: 0, exponent: Int(record.exponent)) }
        guard length <= 8 else { return nil }
        let words = record.words
        // Words beyond the length are not part of the value.
        let low = UInt64(words.0) | UInt64(words.1) << 16 | UInt64(words.2) << 32 | UInt64(words.3) << 48
        if length <= 4 {
            let coefficient = length == 4 ? low : low & (1 << (16 * UInt64(length)) - 1)
            return DecimalParts(isNegative: isNegative, coefficient: UInt128(coefficient), exponent: Int(record.exponent))
        }
        let high = UInt64(words.4) | UInt64(words.5) << 16 | UInt64(words.6) << 32 | UInt64(words.7) << 48
        let maskedHigh = length == 8 ? high : high & (1 << (16 * UInt64(length - 4)) - 1)
        return DecimalParts(isNegative: isNegative, coefficient: UInt128(maskedHigh) << 64 | UInt128(low), exponent: Int(record.exponent))
    }

    /// This value as Foundation would store it; nil when it cannot be stored exactly (more than 38 digits, or
    /// an exponent outside −128 … 127 once trailing zeros are moved into it). A zero keeps its exponent, as
    /// Foundation's rounding leaves one (arithmetic gives zeros with exponent 0).
    func encoded() -> Decimal? {
        guard exponent >= Int(Int8.min), exponent <= Int(Int8.max) else { return nil }
        guard coefficient != 0 else {
            return unsafeBitCast(Record(exponent: Int8(exponent), flags: 0, reserved: 0, words: (0, 0, 0, 0, 0, 0, 0, 0)), to: Decimal.self)
        }
        guard coefficient <= Self.maximumCoefficient else { return nil }
        var coefficient = coefficient
        var exponent = exponent
        if coefficient <= UInt128(UInt64.max) {
            // 64-bit division by a constant is a multiply; 128-bit division is a library call.
            var small = UInt64(coefficient)
            while small % 10 == 0 {
                small /= 10
                exponent += 1
            }
            coefficient = UInt128(small)
        } else {
            while coefficient % 10 == 0 {
                coefficient /= 10
                exponent += 1
            }
        }
        guard exponent >= Int(Int8.min), exponent <= Int(Int8.max) else { return nil }
        let bits = 128 - coefficient.leadingZeroBitCount
        let length = (bits + 15) / 16
        let low = UInt64(truncatingIfNeeded: coefficient)
        let high = UInt64(truncatingIfNeeded: coefficient >> 64)
        let record = Record(
            exponent: Int8(exponent),
            flags: UInt8(length) << Self.lengthShift | (isNegative ? Self.negativeFlag : 0) | Self.compactFlag,
            reserved: 0,
            words: (
                UInt16(truncatingIfNeeded: low), UInt16(truncatingIfNeeded: low >> 16), UInt16(truncatingIfNeeded: low >> 32),
                UInt16(truncatingIfNeeded: low >> 48), UInt16(truncatingIfNeeded: high), UInt16(truncatingIfNeeded: high >> 16),
                UInt16(truncatingIfNeeded: high >> 32), UInt16(truncatingIfNeeded: high >> 48)
            )
        )
        return unsafeBitCast(record, to: Decimal.self)
    }

    /// `encoded()` for a coefficient that fits 64 bits (every price a file or a cache holds): the same record, made
    /// without 128-bit arithmetic, for the millions of values a history load makes.
    @inline(__always)
    static func decimal(coefficient: UInt64, exponent: Int, isNegative: Bool) -> Decimal? {
        guard coefficient != 0 else { return DecimalParts(isNegative: false, coefficient: 0, exponent: exponent).encoded() }
        var small = coefficient
        var exponent = exponent
        while small % 10 == 0 {
            small /= 10
            exponent += 1
        }
        guard exponent >= Int(Int8.min), exponent <= Int(Int8.max) else { return nil }
        let length = (64 - small.leadingZeroBitCount + 15) / 16
        let record = Record(
            exponent: Int8(exponent), flags: UInt8(length) << lengthShift | (isNegative ? negativeFlag : 0) | compactFlag, reserved: 0,
            words: (
                UInt16(truncatingIfNeeded: small), UInt16(truncatingIfNeeded: small >> 16), UInt16(truncatingIfNeeded: small >> 32),
                UInt16(truncatingIfNeeded: small >> 48), 0, 0, 0, 0
            ))
        return unsafeBitCast(record, to: Decimal.self)
    }

    /// `coefficient × 10^power`, nil when that reaches 2^128.
    static func scaled(_ coefficient: UInt128, by power: Int) -> UInt128? {
        guard power > 0 else { return coefficient }
        guard power <= 38 else { return coefficient == 0 ? 0 : nil }
        let (product, overflow) = coefficient.multipliedReportingOverflow(by: powersOfTen[power])
        return overflow ? nil : product
    }
}
