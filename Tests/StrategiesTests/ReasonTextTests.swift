import Foundation
import KeelsonDomain
import Testing

@testable import KeelsonStrategies

/// A signal's reason shows indicator values exactly as `Double.description` shows them rounded, however they are
/// written.
@Suite("Reason text")
struct ReasonTextTests {
    @Test(arguments: [4, 6])
    func sameTextAsDescriptionOfTheRoundedValue(places: Int) {
        var random = SplitMix64(seed: UInt64(places))
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        var values: [Double] = [0, -0.0, 1, -1, 100, 0.5, 0.0001, 0.00005, 1e-7, 123_456.7, 99_999_999.999_999_9, 1e9, 1e12, -3.25, .infinity, .nan]
        for _ in 0..<20_000 {
            let magnitude = Double(random.next() % 1_000_000_000) / Double(1 << (random.next() % 40))
            values.append(random.next() % 3 == 0 ? -magnitude : magnitude)
        }
        for value in values {
            let expected = ((value * scale).rounded() / scale).description
            #expect(value.reasonText(places: places) == expected, "\(value)")
        }
    }
}
