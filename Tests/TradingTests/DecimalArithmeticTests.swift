import Foundation
import Testing

@testable import KeelsonDomain

/// The integer fast paths of `plus`, `minus`, `times`, `quotient(dividingBy:scale:)`, `rounded(scale:)`, the
/// comparisons and `doubleValue` against Foundation's own operators: the same value and the same stored bytes, on
/// operands shaped like prices, quantities, fees and cash, and on the edges (zero, negatives, trailing zeros,
/// 38-digit results, exponents far apart, NaN).
@Suite("Decimal arithmetic")
struct DecimalArithmeticTests {
    static func bytes(_ value: Decimal) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

    /// Same bytes as Foundation's result, so equal values print, hash and store alike.
    static func expectIdentical(_ fast: Decimal, _ foundation: Decimal, _ what: @autoclosure () -> String) {
        #expect(bytes(fast) == bytes(foundation), "\(what()): fast \(fast) (\(bytes(fast))), Foundation \(foundation) (\(bytes(foundation)))")
    }

    /// Operands like the ones money code sees: prices with a few decimals, lot quantities, fees to 8 places,
    /// cash with cents, whole numbers with trailing zeros, and now and then something huge or tiny.
    static func operands(count: Int, seed: UInt64) -> [Decimal] {
        var random = SplitMix64(seed: seed)
        // Zeros as rounding leaves them: exponent −12, −2.
        var tiny = Decimal(string: "0.0000000000001")!, roundedZero = Decimal(), roundedZero2 = Decimal()
        NSDecimalRound(&roundedZero, &tiny, 12, .plain)
        NSDecimalRound(&roundedZero2, &tiny, 2, .plain)
        var values: [Decimal] = [
            roundedZero, roundedZero2, 0, 1, -1, 10, 100, Decimal(string: "0.5")!, Decimal(string: "-0.5")!, Decimal(string: "1e-20")!,
            Decimal(string: "99999999999999999999999999999999999999")!,
        ]
        while values.count < count {
            let digits = Int(random.next() % 19) + 1
            var coefficient = random.next() % 10_000_000_000_000_000_000
            for _ in digits..<19 { coefficient /= 10 }
            let exponent = Int(random.next() % 25) - 16
            let negative = random.next() % 4 == 0
            values.append(Decimal(sign: negative ? .minus : .plus, exponent: exponent, significand: Decimal(coefficient)))
        }
        return values
    }

    @Test("the 64-bit encoder stores what the general one and Foundation store, byte for byte")
    func sixtyFourBitEncoderMatches() {
        var generator = SystemRandomNumberGenerator()
        let coefficients: [UInt64] =
            [0, 1, 10, 1000, 12_345, 99_990, UInt64(1) << 53, 999_999_999_999_999_999, UInt64.max]
            + (0..<500).map { _ in UInt64.random(in: 0...UInt64.max >> UInt64.random(in: 0...60, using: &generator), using: &generator) }
        for coefficient in coefficients {
            for exponent in [-18, -8, -2, 0, 3] {
                for negative in [false, true] where coefficient != 0 || !negative {
                    let general = DecimalParts(isNegative: negative, coefficient: UInt128(coefficient), exponent: exponent).encoded()
                    let fast = DecimalParts.decimal(coefficient: coefficient, exponent: exponent, isNegative: negative)
                    #expect(fast.map(Self.bytes) == general.map(Self.bytes), "\(negative ? "-" : "")\(coefficient)e\(exponent)")
                    let text = "\(negative ? "-" : "")\(coefficient)e\(exponent)"
                    #expect(fast == Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), "\(text)")
                }
            }
        }
    }

    @Test func layoutIsRecognised() {
        // On this platform the fast paths must be the ones taken, or the benchmark measures Foundation.
        #expect(DecimalParts.layoutIsKnown)
        #expect(DecimalParts(Decimal(string: "-12.340")!) == DecimalParts(isNegative: true, coefficient: 1234, exponent: -2))
        #expect(DecimalParts(Decimal.nan) == nil)
    }

    @Test func additionSubtractionAndMultiplicationMatchFoundation() {
        let values = Self.operands(count: 400, seed: 11)
        for left in values {
            for right in values.prefix(200) {
                Self.expectIdentical(left.plus(right), left + right, "\(left) + \(right)")
                Self.expectIdentical(left.minus(right), left - right, "\(left) - \(right)")
                Self.expectIdentical(left.times(right), left * right, "\(left) * \(right)")
            }
        }
    }

    @Test func comparisonsMatchFoundation() {
        let values = Self.operands(count: 300, seed: 12) + [Decimal(string: "1.50")!, Decimal(string: "1.5")!, Decimal(string: "-0")!]
        for left in values {
            for right in values {
                #expect(left.isBelow(right) == (left < right), "\(left) < \(right)")
                #expect(left.isAbove(right) == (left > right), "\(left) > \(right)")
                #expect(left.isSameValue(as: right) == (left == right), "\(left) == \(right)")
            }
        }
    }

    @Test(arguments: [NSDecimalNumber.RoundingMode.plain, .bankers, .up, .down])
    func roundingMatchesFoundation(mode: NSDecimalNumber.RoundingMode) {
        var halves = [Decimal]()
        for text in ["2.5", "3.5", "-2.5", "-3.5", "0.125", "-0.125", "1.0000000000005", "1.0000000000015", "-7.99999999999999"] {
            halves.append(Decimal(string: text)!)
        }
        for value in Self.operands(count: 3000, seed: 13) + halves {
            for scale in [-2, 0, 1, 2, 4, 8, 12] {
                var input = value
                var expected = Decimal()
                NSDecimalRound(&expected, &input, scale, mode)
                Self.expectIdentical(value.rounded(scale: scale, mode), expected, "\(value) rounded to \(scale) (\(mode.rawValue))")
            }
        }
    }

    @Test(arguments: [NSDecimalNumber.RoundingMode.plain, .bankers, .up, .down])
    func quotientsMatchFoundation(mode: NSDecimalNumber.RoundingMode) {
        let values = Self.operands(count: 250, seed: 14)
        for dividend in values {
            for divisor in values.prefix(120) where divisor != 0 {
                for scale in [0, 2, 8, 12] {
                    var quotient = dividend / divisor
                    var expected = Decimal()
                    NSDecimalRound(&expected, &quotient, scale, mode)
                    Self.expectIdentical(
                        dividend.quotient(dividingBy: divisor, scale: scale, mode), expected,
                        "\(dividend) / \(divisor) to \(scale) (\(mode.rawValue))")
                }
            }
        }
        // Averages and all-in sizing: whole cash over a price, a notional over its quantity.
        #expect(Decimal(1_000_000).quotient(dividingBy: Decimal(string: "301.37")!, scale: 0, .down) == 3318)
        #expect(Decimal(string: "1000.5")!.quotient(dividingBy: 3, scale: 12) == Decimal(string: "333.5")!)
        #expect(Decimal(2).quotient(dividingBy: 3, scale: 12) == Decimal(string: "0.666666666667")!)
    }

    @Test func resultsBeyondThirtyEightDigitsAndNaNAreFoundations() {
        let big = Decimal(string: "99999999999999999999999999999999999999")!
        Self.expectIdentical(big.plus(1), big + 1, "38 nines + 1")
        Self.expectIdentical(big.times(big), big * big, "38 nines squared")
        Self.expectIdentical(
            Decimal(string: "1e100")!.plus(Decimal(string: "1e-100")!), Decimal(string: "1e100")! + Decimal(string: "1e-100")!, "far exponents")
        #expect(Decimal.nan.plus(1).isNaN)
        #expect(Decimal.nan.isBelow(1) == (Decimal.nan < 1))
        #expect(Decimal(1).times(Decimal.nan).isNaN)
    }

    @Test func doubleValueIsTheNearestDouble() {
        for value in Self.operands(count: 5000, seed: 15) {
            let expected = Double(value.description)!
            #expect(value.doubleValue == expected || abs(value.doubleValue - expected) <= abs(expected) * 1e-15, "\(value)")
        }
        #expect(Decimal(string: "0.1")!.doubleValue == 0.1)
        #expect(Decimal(string: "-123.456")!.doubleValue == -123.456)
        #expect(Decimal(string: "5827024.4")!.doubleValue == 5_827_024.4)
    }
}
