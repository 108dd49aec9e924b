import Foundation
import KeelsonDomain
import Testing

@testable import KeelsonPersistence

@Suite("COPY text rendering")
struct CopyTextTests {
    @Test(
        "decimals render in plain notation and read back exactly",
        arguments: [
            "0", "1", "-1.5", "100.19", "0.00001", "-0.000123", "123456789.12345678", "1000", "1e3", "22.8143", "99999999999.99999999",
        ])
    func decimals(text: String) throws {
        let value = try #require(Decimal(string: text))
        let rendered = CopyText.decimal(value)
        #expect(Decimal(string: rendered) == value)
        #expect(!rendered.contains("e") && !rendered.contains("E"))
    }

    @Test("random prices render exactly as Decimal.description does")
    func randomPrices() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let value = Decimal(
                string: String(format: "%.\(Int.random(in: 0...8, using: &generator))f", Double.random(in: -1e6...1e6, using: &generator)))!
            #expect(CopyText.decimal(value) == value.description)
        }
    }

    @Test("UTC timestamps match ISO 8601 formatting, before 1970 and across leap days too")
    func timestamps() throws {
        // Foundation formats fractions of a Double-backed Date imprecisely (0.123 s prints as .122), so the reference
        // formats whole seconds and the milliseconds come from integer arithmetic.
        let format = Date.ISO8601FormatStyle()
        let samples: [Int64] = [0, -1, 1_709_251_200_000, 951_782_400_000, 4_107_542_399_999, -2_208_988_800_000, 1_582_934_400_123]
        var generator = SystemRandomNumberGenerator()
        for milliseconds in samples + (0..<2_000).map({ _ in Int64.random(in: -3_000_000_000_000...4_000_000_000_000, using: &generator) }) {
            let (seconds, millisecond) = milliseconds.floorDivided(by: 1000)
            let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(format)  // 2024-03-01T00:00:00Z
            let expected =
                whole.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "") + String(format: ".%03d+00", millisecond)
            #expect(CopyText.utcTimestamp(epochMilliseconds: milliseconds) == expected, "\(milliseconds)")
        }
    }
}
